from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class EdropsConfig(AppConfig):
    name = "edrops"
    verbose_name = "Events"

    def ready(self) -> None:
        from edrops import checks  # noqa: F401  (registers the start-up checks)
        from edrops.audit import actors, registry
        from edrops.models import Source
        from edrops.selectors.sources import forget_sources
        from edrops.services.pages import page_logged
        from notifications.signals import state_logged
        from rosters.models import EscalationPolicy, Team

        state_logged.connect(page_logged, dispatch_uid="edrops-page-logged")

        # What source_for_token caches: the source, its team, the team's policy.
        for model in (Source, Team, EscalationPolicy):
            post_save.connect(forget_sources, sender=model, dispatch_uid=f"forget-{model}")
            post_delete.connect(forget_sources, sender=model, dispatch_uid=f"forget-{model}-del")

        registry.register_audited_models()
        actors.connect()
