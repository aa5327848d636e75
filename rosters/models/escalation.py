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
    """A team's escalation policy (`team`), or the one its test dispatches follow (`test_of`:
    the roster file's `test_escalation:`); exactly one of the two is set. Both live here, with
    the same steps, so the admin, the file and the engine read them the same way."""

    team = models.OneToOneField(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_policy",
        help_text="the team whose dispatches follow this policy",
    )
    test_of = models.OneToOneField(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="test_escalation_policy",
        verbose_name="test policy of",
        help_text="the team whose test dispatches (test: true) follow this policy; without "
        "one, a test dispatch is posted to the team's Slack channel and the outbox only",
    )
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=False, test_of__isnull=True)
                | models.Q(team__isnull=True, test_of__isnull=False),
                name="escalation_policy_of_one_team",
                violation_error_message="Give the team this policy is for, or the team whose "
                "test dispatches follow it: one of the two.",
            )
        ]

    def __str__(self) -> str:
        if self.test_of_id:
            return f"test escalation of {self.test_of}"
        return f"escalation of {self.team}"

    @property
    def owner(self) -> Team | None:
        """The team it belongs to, whether as its policy or as its test policy."""
        return self.team if self.team_id else self.test_of


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
        test = "test " if self.policy.test_of_id else ""
        return f"{self.policy.owner} {test}step {self.position}: {shown}"

    def clean(self) -> None:
        try:
            team = self.policy.owner
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
