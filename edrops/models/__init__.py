from edrops.models.liveness import ProcessCheckIn

__all__ = ["ProcessCheckIn"]
