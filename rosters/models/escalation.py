"""A team's escalation policy: who is paged first, and who next if nobody acknowledges."""

from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models

from rosters.models.people import Person, Team
from rosters.validators import (
    TARGET_SPELLINGS,
    Target,
    TargetKind,
    parse_target,
    shown_target,
    unknown_webhook,
)

DEFAULT_ACK_SLA = timedelta(minutes=10)


class EscalationPolicy(models.Model):
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="escalation_policy")
    ack_sla = models.DurationField(
        "acknowledgement SLA",
        default=DEFAULT_ACK_SLA,
        help_text="an event's default respond-by: this long after it arrives",
    )
    repeat = models.PositiveSmallIntegerField(
        default=0, help_text="run all the steps this many more times if nobody acknowledges"
    )

    class Meta:
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return f"escalation of {self.team}"


class EscalationStep(models.Model):
    """Targets are stored as the roster file writes them (`rotation:primary`, `person:dan`,
    `team`, `slack:C0GRIDOPS`, `pagerduty:<routing key>`, `webhook:derms`): one list that the
    admin, the file and the escalation engine's snapshot all read the same way, and that
    `clean()` checks against the team."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    targets = models.JSONField(default=list)
    wait = models.DurationField(
        default=timedelta(0), help_text="how long after this step starts the next one starts"
    )

    class Meta:
        ordering = ["policy", "position", "id"]

    def __str__(self) -> str:
        # The team's slug first: the audit log finds a team's steps by its name.
        # (A routing key is a secret: shown by its last four, here as everywhere.)
        shown = ", ".join(shown_target(t) for t in self.targets)
        return f"{self.policy.team} step {self.position}: {shown}"

    def clean(self) -> None:
        try:
            team = self.policy.team
        except ObjectDoesNotExist:  # a step being added together with its policy
            team = None
        errors = target_errors(self.targets, team=team)
        if errors:
            raise ValidationError({"targets": errors})


def target_errors(targets: object, *, team: Team | None) -> list[str]:
    """Every problem with a step's targets, as messages an ops lead can act on."""
    if not isinstance(targets, list) or not targets:
        return [f"Give at least one target: {TARGET_SPELLINGS}."]
    errors: list[str] = []
    parsed: list[Target] = []
    for raw in targets:
        try:
            parsed.append(parse_target(raw))
        except ValidationError as e:
            errors.extend(e.messages)
    errors += [why for t in parsed if (why := unknown_webhook(t))]
    handles = [t.value for t in parsed if t.kind == TargetKind.PERSON]
    known = set(Person.objects.filter(handle__in=handles).values_list("handle", flat=True))
    errors += [f"person:{h}: nobody has the handle {h}." for h in handles if h not in known]
    wanted = [t.value for t in parsed if t.kind == TargetKind.ROTATION]
    if wanted and team is not None and team.pk:
        names = set(team.rotations.values_list("name", flat=True))
        for name in wanted:
            if name not in names:
                errors.append(
                    f"rotation:{name}: team {team.slug} has no rotation {name} "
                    f"(it has: {', '.join(sorted(names)) or 'none'})."
                )
    return errors
