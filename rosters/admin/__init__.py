"""The admin an ops lead keeps the rosters in. Times are shown, and typed, in the zone they
belong to: a rotation's overrides in the rotation's zone, a team's schedule in the team's."""

from rosters.admin import escalation, people, rotations, teams
from rosters.admin.people import PersonAdmin

__all__ = ["PersonAdmin", "escalation", "people", "rotations", "teams"]
