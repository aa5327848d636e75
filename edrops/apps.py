from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class EdropsConfig(AppConfig):
    name = "edrops"
    verbose_name = "Events"

    def ready(self) -> None:
        from edrops import checks  # noqa: F401  (registers the start-up checks)
        from edrops.audit import actors, registry
        from edrops.models import Source
        from edrops.selectors.sources import forget_sources
        from edrops.services.coverage import roster_changed
        from edrops.services.pages import page_logged
        from notifications.signals import state_logged
        from rosters.models import (
            ContactRule,
            EscalationPolicy,
            EscalationStep,
            Override,
            Person,
            Rotation,
            RotationMember,
            Team,
        )

        state_logged.connect(page_logged, dispatch_uid="edrops-page-logged")

        # What source_for_token caches: the source, its team, the team's policy.
        for model in (Source, Team, EscalationPolicy):
            post_save.connect(forget_sources, sender=model, dispatch_uid=f"forget-{model}")
            post_delete.connect(forget_sources, sender=model, dispatch_uid=f"forget-{model}-del")

        # Any change to who is on call, or how they are reached, has the clock look for
        # coverage gaps at its next tick.
        for model in (
            Person,
            ContactRule,
            Team,
            Team.members.through,
            Rotation,
            RotationMember,
            Override,
            EscalationPolicy,
            EscalationStep,
        ):
            post_save.connect(roster_changed, sender=model, dispatch_uid=f"coverage-{model}")
            post_delete.connect(roster_changed, sender=model, dispatch_uid=f"coverage-{model}-d")
        m2m_changed.connect(
            roster_changed, sender=Team.members.through, dispatch_uid="coverage-members"
        )

        registry.register_audited_models()
        actors.connect()
