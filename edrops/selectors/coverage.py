"""Reads for the schedule: the coverage gaps the clock has found and not yet seen filled."""

from datetime import datetime

from django.db.models import QuerySet

from edrops.models import CoverageGap


def open_gaps(*, now: datetime, teams: list | None = None) -> QuerySet[CoverageGap]:
    """Gaps found by the last check that are not filled or over: the banners."""
    gaps = CoverageGap.objects.filter(closed_at__isnull=True, ends_at__gt=now)
    if teams is not None:
        gaps = gaps.filter(team__in=teams)
    return gaps.select_related("team").order_by("starts_at", "team__slug")
