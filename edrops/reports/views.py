"""GET /reports (the page) and GET /reports/events.csv: thin; what they say is read in
selectors.py, drawn in charts.py."""

from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from edrops.csv_export import cell, csv_response
from edrops.dashboard.views import login_required
from edrops.reports import charts, selectors
from edrops.reports.access import may_see_reports
from edrops.reports.period import BadPeriod, Period, period_from
from rosters.models import Team

PAGE_MAX_DAYS = 366  # the page's charts; the CSV takes any period
CSV_HEADER = [
    "id",
    "team",
    "source",
    "market",
    "program",
    "summary",
    "received",
    "first page",
    "acknowledged at",
    "by",
    "via",
    "resolved",
    "respond-by met",
]


@login_required
@require_GET
def reports(request):
    if not may_see_reports(request.user):
        raise PermissionDenied("Reports are for ops leads and staff.")
    now = timezone.now()
    context = {"teams": Team.objects.order_by("slug"), "zone": ZoneInfo("UTC")}
    try:
        period = period_from(request.GET, max_days=PAGE_MAX_DAYS)
    except BadPeriod as bad:
        asked = {name: request.GET.get(name, "") for name in ("from", "to", "team")}
        context |= {"errors": bad.errors, "form": asked}
        return render(request, "reports/index.html", context, status=400)
    report = selectors.report(period=period, now=now)
    context |= {
        "report": report,
        "period": period,
        "zone": period.zone,
        "charts": charts.for_report(report),
        "form": {
            "from": period.first_day.isoformat(),
            "to": period.last_day.isoformat(),
            "team": period.team.slug if period.team else "",
        },
    }
    return render(request, "reports/index.html", context)


class LeadOrStaff(BasePermission):
    message = "Reports are for ops leads and staff."

    def has_permission(self, request, view) -> bool:
        return may_see_reports(request.user)


class EventsCsvView(APIView):
    """Every event of the period, one row each (docs/API.md §7)."""

    permission_classes = [LeadOrStaff]

    @extend_schema(
        operation_id="report_events_csv",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (included)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day (included)"),
            OpenApiParameter("team", OpenApiTypes.STR, description="a team's slug"),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=", ".join(CSV_HEADER)),
            400: OpenApiResponse(description='{"errors": {"from": ["..."]}}'),
        },
    )
    def get(self, request):
        try:
            period = period_from(request.query_params)
        except BadPeriod as bad:
            raise ValidationError({"errors": bad.errors}) from None
        rows = selectors.event_rows(period=period, now=timezone.now())
        return csv_response(filename=_filename(period), header=CSV_HEADER, rows=_csv(rows, period))


def _filename(period: Period) -> str:
    team = f"-{period.team.slug}" if period.team else ""
    return f"edrops-events-{period.first_day}-to-{period.last_day}{team}.csv"


def _csv(rows, period: Period):
    for r in rows:
        yield [
            cell(v, zone=period.zone)
            for v in (
                r.id, r.team, r.source, r.market, r.program, r.summary, r.received,
                r.first_page, r.acknowledged_at, r.by, r.via, r.resolved, r.respond_by_met,
            )
        ]  # fmt: skip
