"""The arithmetic of rotations, on plain values (no database): when handoffs happen, who holds a
rotation at an instant, and when that next changes.

Handoff k is at `first_handoff + k * shift` on the *local wall clock*, read with `fold=0`: a
handoff in a spring-forward gap happens as many minutes after the gap (02:30 -> 03:30 CDT), one
in a fall-back hour at the first of the two instants. So the shift that spans a DST change is an
hour shorter or longer (a weekly one lasts 167 or 169 hours), and every other shift keeps its
length.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

P = TypeVar("P")  # whoever holds the pager: a Person, in practice


@dataclass(frozen=True)
class Span(Generic[P]):
    """An override: `person` holds the rotation from `starts_at` up to `ends_at` (UTC)."""

    person: P
    starts_at: datetime
    ends_at: datetime
    ref: object = None  # the Override row it came from, for whoever wants to link to it


@dataclass(frozen=True)
class Schedule(Generic[P]):
    tz: ZoneInfo
    first_handoff: datetime  # naive: a wall-clock time in `tz`
    shift: timedelta
    people: Sequence[P]
    overrides: Sequence[Span[P]] = ()

    def handoff(self, k: int) -> datetime:
        """The instant of handoff k (UTC)."""
        local = self.first_handoff + k * self.shift
        return local.replace(tzinfo=self.tz, fold=0).astimezone(UTC)

    def shift_index(self, at: datetime) -> int:
        """The k whose shift contains `at`: handoff(k) <= at < handoff(k + 1). Negative before
        the first handoff.

        Naive local arithmetic gives a guess that can be one off near a DST change (the local
        clock repeats or skips an hour), so the guess is checked against the real instants of
        the neighbouring handoffs. Handoffs are in order because a shift is at least an hour.
        """
        local = at.astimezone(self.tz).replace(tzinfo=None)
        k = (local - self.first_handoff) // self.shift
        while self.handoff(k) > at:
            k -= 1
        while self.handoff(k + 1) <= at:
            k += 1
        return k

    def scheduled(self, k: int) -> P | None:
        if k < 0 or not self.people:
            return None
        return self.people[k % len(self.people)]

    def override_at(self, at: datetime) -> Span[P] | None:
        """The override in force at `at`; where overrides overlap, the one that started last."""
        current = None
        for span in self.overrides:
            if span.starts_at <= at < span.ends_at and (
                current is None or span.starts_at >= current.starts_at
            ):
                current = span
        return current

    def who(self, at: datetime) -> tuple[P | None, Span[P] | None]:
        """Who holds the rotation at `at`, and the override that put them there (if any)."""
        span = self.override_at(at)
        if span is not None:
            return span.person, span
        return self.scheduled(self.shift_index(at)), None

    def changes_after(self, at: datetime) -> Iterator[datetime]:
        """Every instant after `at` at which who holds the rotation *might* change, in order:
        handoffs and override edges. Ends a full turn of the people after the last override
        edge: from there on the pattern only repeats, so a change not seen by then never
        comes (a one-person rotation)."""
        edges = sorted(
            {t for s in self.overrides for t in (s.starts_at, s.ends_at) if t > at}, reverse=True
        )
        last_edge = edges[0] if edges else at
        k = max(self.shift_index(at) + 1, 0)
        turns_after_last_edge = 0
        turn = max(len(self.people), 1)
        while True:
            handoff = self.handoff(k) if self.people else None
            if handoff is not None and handoff > last_edge and turns_after_last_edge >= turn:
                handoff = None
            nxt = min(
                [t for t in (handoff, edges[-1] if edges else None) if t is not None],
                default=None,
            )
            if nxt is None:
                return
            if edges and edges[-1] == nxt:
                edges.pop()
            if handoff == nxt:
                k += 1
                if handoff > last_edge:
                    turns_after_last_edge += 1
            yield nxt

    def until(self, at: datetime) -> datetime | None:
        """The next moment who holds the rotation changes; None if it never will (one person
        and no overrides ahead, or nobody and no overrides ahead)."""
        current, _ = self.who(at)
        for moment in self.changes_after(at):
            if self.who(moment)[0] != current:
                return moment
        return None

    def segments(
        self, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime, P | None, Span[P] | None]]:
        """[start, end) cut where the holder changes: (from, to, person, override). A person
        who keeps the rotation across a handoff gets one segment."""
        cuts = {start, end}
        cuts |= {t for s in self.overrides for t in (s.starts_at, s.ends_at) if start < t < end}
        k = max(self.shift_index(start) + 1, 0)
        while self.people and (handoff := self.handoff(k)) < end:
            cuts.add(handoff)
            k += 1
        out: list[tuple[datetime, datetime, P | None, Span[P] | None]] = []
        for begin, finish in pairwise(sorted(cuts)):
            person, span = self.who(begin)
            if out and out[-1][2] == person and out[-1][3] is span:
                out[-1] = (out[-1][0], finish, person, span)
            else:
                out.append((begin, finish, person, span))
        return out
