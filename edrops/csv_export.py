"""CSV downloads (the reports' events, an event's timeline): streamed, UTF-8, one header row.

A cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab
or a carriage return) gets a leading `'`: a summary is written by a sender, and a CSV opened
in Excel must not run what a sender wrote."""

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import StreamingHttpResponse

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def cell(value, *, zone: ZoneInfo | None = None) -> str:
    """A value as the CSV shows it: times ISO 8601 with their offset (in `zone`), booleans
    `yes`/`no`, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return (value.astimezone(zone) if zone else value).isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in _with_header(header, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_header(header, rows):
    yield header
    yield from rows
