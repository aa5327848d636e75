"""`/audit`, the log as a page for leads and staff, and `/audit.csv`, the same rows and filters
as a file (for a script too: a person's DRF token works)."""

import csv
from collections.abc import Iterator
from urllib.parse import unquote

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from edrops import permissions
from edrops.api.schema import DETAIL, FIELD_ERRORS
from edrops.audit import selectors
from edrops.audit.access import may_read_audit_log
from edrops.audit.forms import AuditFilterForm
from edrops.dashboard import selectors as dashboard_selectors
from edrops.dashboard.views import login_required

PAGE_SIZE = 100  # entries a page (an entry is a row per field it changed)


def _filters(request) -> AuditFilterForm:
    """The filters of the query string, with days read in the viewer's zone."""
    zone = dashboard_selectors.viewer_zone(
        person=permissions.Actor.of_login(request.user).person,
        browser_zone=unquote(request.COOKIES.get(dashboard_selectors.TZ_COOKIE, "")),
    )
    return AuditFilterForm(request.GET, zone=zone)


@login_required
@require_GET
def audit_log(request):
    if not may_read_audit_log(request.user):
        raise PermissionDenied("The audit log is for leads and staff.")
    filters = _filters(request)
    context = {"filters": filters, "zone": filters.zone, "columns": selectors.COLUMNS}
    if not filters.is_valid():
        return render(request, "audit/log.html", context, status=400)
    page = Paginator(selectors.entries(where=filters.audit_filter()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context |= {"page": page, "rows": list(selectors.rows(page)), "query": query.urlencode()}
    return render(request, "audit/log.html", context)


class MayReadAuditLog(BasePermission):
    message = "The audit log is for leads and staff."

    def has_permission(self, request, view) -> bool:
        return may_read_audit_log(request.user)


def _cell(value: str) -> str:
    """A value a spreadsheet would run as a formula ("=HYPERLINK(...)" typed as a Slack id)
    is written with a leading apostrophe; a phone number (+13125550101) stays as it is."""
    if value[:1] in ("=", "@", "\t", "\r") or (value[:1] in ("+", "-") and not value[1:].isdigit()):
        return "'" + value
    return value


class _Lines:
    """csv.writer's file: each row written is handed back as one line."""

    def write(self, line: str) -> str:
        return line


def _csv(rows: Iterator[selectors.AuditRow]) -> Iterator[str]:
    writer = csv.writer(_Lines())
    yield writer.writerow(selectors.COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row.as_list()])


class AuditCsvView(APIView):
    permission_classes = [MayReadAuditLog]

    @extend_schema(
        operation_id="audit_csv",
        tags=["audit"],
        summary="The audit log as CSV (leads and staff)",
        parameters=[
            OpenApiParameter("model", description="object type, e.g. rosters.rotation"),
            OpenApiParameter("object", description="part of the object's name"),
            OpenApiParameter("actor", description="part of the actor's name"),
            OpenApiParameter("since", OpenApiTypes.DATE, description="first day, your zone"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="last day, your zone"),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, "columns: " + ", ".join(selectors.COLUMNS)
            ),
            400: OpenApiResponse(FIELD_ERRORS, "a filter that can't be read"),
            403: OpenApiResponse(DETAIL, "not a lead nor staff"),
        },
    )
    def get(self, request):
        filters = _filters(request)
        if not filters.is_valid():
            return Response({"errors": filters.errors}, status=400)
        found = selectors.entries(where=filters.audit_filter()).iterator(chunk_size=500)
        response = StreamingHttpResponse(
            _csv(selectors.rows(found)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="edrops-audit.csv"'
        return response
