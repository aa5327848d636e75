"""Coverage gaps found early: the clock checks every team for gaps in the next 7 days once an
hour and right after any roster change, tells the team's Slack channel and its leads (by
email) of each new gap once, and pages the leads as a `high` event when a gap is about to
start, because a dispatch then would reach nobody.

Finding gaps is the rosters app's (`rosters.coverage`); remembering which were told, and
telling, is here.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django_q.tasks import async_task

from edrops.models import (
    OUR_ID_PREFIX,
    CoverageCheck,
    CoverageGap,
    Event,
    Integration,
    Severity,
    Source,
)
from edrops.services.handoffs import plan_handoff_reminders
from edrops.services.ingest import EventInput, ingest
from edrops.services.sources import upsert_source
from notifications import services as notifications
from notifications.rendering import relative
from rosters.coverage import Gap, Why, coverage_gaps
from rosters.models import Person, Role, Team
from rosters.selectors import ack_sla, team_leads

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(hours=1)
HORIZON = timedelta(days=7)
# A gap that starts within this pages the leads: there is still time to fill it.
PAGE_BEFORE = timedelta(hours=1)
CHECK_TASK = "edrops.tasks.check_coverage"
COVERAGE_SOURCE = "edrops-coverage"  # the built-in source of the leads' pages about gaps

DATE = "%a %d %b %H:%M %Z"
WHAT = {
    Why.NOBODY_ON_CALL: "nobody on call",
    Why.NO_CONTACT_METHOD: "nobody on call can be reached",
    Why.WORKING_HOURS_ONLY: "only people off work and without a phone rule on call",
}


# A check works through the teams for at most this long, then hands the rest to a task of
# their own: a check of hundreds of teams in one task on a busy machine ran past Q_TIMEOUT and
# was killed, and the teams after the one it was on never heard of their gaps.
CHECK_BUDGET = timedelta(seconds=10)


@dataclass
class CoverageReport:
    """What one check did (for the task's result and the tests)."""

    new: list[CoverageGap] = field(default_factory=list)
    closed: int = 0
    paged: int = 0
    checked_to: str = ""  # the last team checked, by slug
    handed_on: bool = False  # the teams after it are a task of their own

    def __str__(self) -> str:
        done = f"{len(self.new)} new gap(s), {self.closed} closed, {self.paged} paged"
        return f"{done}; teams after {self.checked_to} queued" if self.handed_on else done


# --- When to check ---------------------------------------------------------------------------


def request_coverage_check(*, now: datetime) -> None:
    """Check at the next tick (a roster changed)."""
    if not CoverageCheck.objects.filter(due_at__gt=now).update(due_at=now):
        CoverageCheck.objects.get_or_create(defaults={"due_at": now})


def roster_changed(sender, **kwargs) -> None:
    """A signal receiver (edrops/apps.py): a roster row was saved or deleted."""
    if kwargs.get("raw"):  # loading fixtures
        return
    request_coverage_check(now=timezone.now())


class _Row:
    """Per clock process: whether the CoverageCheck row was seen, so a tick costs one query."""

    seen = False


def claim_coverage_check(*, now: datetime) -> int:
    """The clock's part: when the check is due, move it an hour on (compare-and-set: one clock
    wins) and queue it for a worker. A missing row (a fresh database) is a check due now."""
    if CoverageCheck.objects.filter(due_at__lte=now).update(due_at=now + CHECK_EVERY):
        _Row.seen = True
        async_task(CHECK_TASK, task_name="check coverage gaps")
        return 1
    if not _Row.seen:
        _Row.seen = CoverageCheck.objects.exists()
        if not _Row.seen:
            CoverageCheck.objects.create(due_at=now)
    return 0


def gap_text(*, gap: Gap | CoverageGap, team: Team) -> str:
    """'grid-ops: nobody on call from Sat 05 Dec 09:00 CST to Sun 06 Dec 09:00 CST (rotation
    primary has nobody)', in the team's zone: gaps are planned days ahead, so with the date."""
    starts = gap.starts_at.astimezone(team.tz).strftime(DATE)
    ends = gap.ends_at.astimezone(team.tz).strftime(DATE)
    return f"{team.slug}: {WHAT.get(gap.why, gap.why)} from {starts} to {ends} ({gap.detail})"


def new_gaps(*, teams: list[Team], before: dict[str, list[Gap]], now: datetime) -> list[str]:
    """The gaps of `teams` in the next 7 days that `before` (an earlier `gaps_of`) did not
    have, in words: what loading a roster file creates."""
    lines = []
    for team, gaps in gaps_of(teams=teams, now=now).items():
        old = before.get(team.slug, [])
        for gap in gaps:
            if not any(
                o.why == gap.why and o.starts_at < gap.ends_at and gap.starts_at < o.ends_at
                for o in old
            ):
                lines.append(f"gap: {gap_text(gap=gap, team=team)}")
    return lines


def gaps_of(*, teams: list[Team], now: datetime) -> dict[Team, list[Gap]]:
    return {t: coverage_gaps(team=t, start=now, end=now + HORIZON) for t in teams}


# --- The check -------------------------------------------------------------------------------


def check_coverage(*, now: datetime, after: str = "") -> CoverageReport:
    """Every team's gaps in [now, now + 7 days): remember them, tell of the new ones, page the
    leads of those about to start; then plan the handoff reminders. Teams go in slug order,
    from the one after `after`; past CHECK_BUDGET the rest are queued as a check of their own,
    which does the paging and planning when it reaches the last team."""
    report = CoverageReport()
    started = time.monotonic()
    for team in Team.objects.filter(slug__gt=after).order_by("slug"):
        if report.checked_to and time.monotonic() - started > CHECK_BUDGET.total_seconds():
            async_task(CHECK_TASK, report.checked_to, task_name="check coverage gaps")
            report.handed_on = True
            return report
        found = coverage_gaps(team=team, start=now, end=now + HORIZON)
        with transaction.atomic():
            new, closed = _remember(team=team, found=found, now=now)
            for gap in new:
                _tell(gap=gap, team=team, now=now)
        report.new += new
        report.closed += closed
        report.checked_to = team.slug
    report.paged = page_imminent_gaps(now=now)
    plan_handoff_reminders(now=now)
    _next_check(now=now)
    if report.new or report.paged:
        log.warning("coverage check: %s", report)
    return report


def _remember(*, team: Team, found: list[Gap], now: datetime) -> tuple[list[CoverageGap], int]:
    """Match what was found with the team's open gaps (the same while they overlap, for the
    same reason); new ones are created, those no longer found are closed. Under the team's
    row lock, so two checks at once tell of a gap once."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    known = list(CoverageGap.objects.filter(team=team, closed_at__isnull=True))
    matched: set[int] = set()
    new = []
    for gap in found:
        row = next(
            (
                r
                for r in known
                if r.pk not in matched
                and r.why == gap.why
                and r.starts_at < gap.ends_at
                and gap.starts_at < r.ends_at
            ),
            None,
        )
        if row is None:
            new.append(
                CoverageGap.objects.create(
                    team=team,
                    starts_at=gap.starts_at,
                    ends_at=gap.ends_at,
                    why=gap.why,
                    detail=gap.detail,
                    found_at=now,
                )
            )
            continue
        matched.add(row.pk)
        # A gap under way keeps the start it was told with; the window starts at now.
        row.starts_at = min(row.starts_at, gap.starts_at) if gap.starts_at <= now else gap.starts_at
        row.ends_at, row.detail = gap.ends_at, gap.detail
        row.save(update_fields=["starts_at", "ends_at", "detail"])
    gone = [r.pk for r in known if r.pk not in matched]
    CoverageGap.objects.filter(pk__in=gone).update(closed_at=now)
    return new, len(gone)


def leads_to_tell(*, team: Team) -> list[Person]:
    """The team's leads; every lead when it has none."""
    return list(team_leads(team=team)) or list(
        Person.objects.filter(role=Role.LEAD).order_by("handle")
    )


def _tell(*, gap: CoverageGap, team: Team, now: datetime) -> None:
    link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/schedule?team={team.slug}"
    text = f"Coverage gap in {gap_text(gap=gap, team=team)}. Fill it: {link}"
    if team.slack_channel:
        notifications.send_channel_notice(
            slack_channel=team.slack_channel, text=text, reference=f"gap:{gap.pk}"
        )
    for lead in leads_to_tell(team=team):
        if lead.email:
            notifications.send_status(
                person=lead, channel="email", text=text, reference=f"gap:{gap.pk}"
            )
    CoverageGap.objects.filter(pk=gap.pk).update(posted_at=now)


def _next_check(*, now: datetime) -> None:
    """An hour on, or sooner: an hour before the next gap not yet paged starts, so its leads
    are paged a full hour ahead, not whenever the hourly check happens to come."""
    soonest = (
        CoverageGap.objects.filter(closed_at__isnull=True, paged__isnull=True)
        .aggregate(at=Min("starts_at"))
        .get("at")
    )
    due = now + CHECK_EVERY
    if soonest is not None:
        due = min(due, max(soonest - PAGE_BEFORE, now + timedelta(seconds=1)))
    CoverageCheck.objects.filter(due_at__gt=due).update(due_at=due)


# --- Paging the leads ------------------------------------------------------------------------


def page_imminent_gaps(*, now: datetime) -> int:
    """Each open gap starting within the hour pages its team's leads once, as a `high` event."""
    due = CoverageGap.objects.filter(
        closed_at__isnull=True,
        paged__isnull=True,
        starts_at__lte=now + PAGE_BEFORE,
        ends_at__gt=now,
    ).select_related("team")
    paged = 0
    for gap in due:
        with transaction.atomic():
            event = _page_leads(gap=gap, now=now)
            CoverageGap.objects.filter(pk=gap.pk).update(paged=event)
        paged += 1
    return paged


def _coverage_source(team: Team) -> Source:
    source = Source.objects.filter(name=COVERAGE_SOURCE).first()
    return source or upsert_source(name=COVERAGE_SOURCE, team=team)[0]


def _page_leads(*, gap: CoverageGap, now: datetime):
    team = gap.team
    summary = (
        f"Coverage gap {relative(gap.starts_at, now=now)}: {gap_text(gap=gap, team=team)}"
        " — a dispatch then would reach nobody"
    )[:1024]
    facts = {
        "gap": {"from": gap.starts_at.isoformat(), "to": gap.ends_at.isoformat()},
        "why": gap.why,
        "detail": gap.detail,
        "schedule": f"/schedule?team={team.slug}",
    }
    result = ingest(
        source=_coverage_source(team),
        data=EventInput(
            external_id=f"{OUR_ID_PREFIX}gap:{gap.pk}",
            summary=summary,
            severity=Severity.HIGH,
            integration=Integration.EDROPS,
            team=team,
            starts_at=gap.starts_at,
            ends_at=gap.ends_at,
            body={"summary": summary, **facts},
            details=facts,
        ),
        now=now,
    )
    leads = leads_to_tell(team=team)
    if leads and result.created:
        # The leads directly, not the team's policy: the policy is what has the gap. Its first
        # step reads this snapshot, as it would the team's (edrops.services.escalation).
        policy = {
            "team": team.slug,
            "ack_sla": int(ack_sla(team=team).total_seconds()),
            "repeat": 0,
            "steps": [{"wait": 0, "targets": [f"person:{p.handle}" for p in leads]}],
        }
        Event.objects.filter(pk=result.event.pk).update(policy=policy)
    return result.event
