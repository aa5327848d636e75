"""What a roster file asks for, checked: a plan holds only values already checked (handles
known, rotations of the right team, times converted to UTC), so writing it cannot fail half-way
on bad input."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any


class RosterFileError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem(s) in the roster file")
        self.errors = errors


@dataclass
class PersonPlan:
    handle: str
    fields: dict[str, Any]
    contact: list[tuple[str, timedelta]] | None
    login: str | None = None  # a username; None: the file doesn't say, the link stays


@dataclass
class RotationPlan:
    name: str
    timezone: str
    start_date: date
    start_time: time
    shift: timedelta
    people: list[str]


@dataclass
class PolicyPlan:
    ack_sla: timedelta
    repeat: int
    steps: list[tuple[list[str], timedelta]]


@dataclass
class TeamPlan:
    slug: str
    fields: dict[str, Any]
    members: list[str]
    rotations: list[RotationPlan] | None = None
    overrides: list[tuple[str, str, datetime, datetime]] | None = None
    escalation: PolicyPlan | None = None
    test_escalation: PolicyPlan | None = None  # what test dispatches follow


@dataclass
class RosterPlan:
    people: list[PersonPlan] = field(default_factory=list)
    teams: list[TeamPlan] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def team_slugs(self) -> set[str]:
        return {t.slug for t in self.teams}
