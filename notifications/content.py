"""What a page says, independent of any channel: the engine fills a PageContent, each channel
renders it for one person (their time zone, their channel's length)."""

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class PageContent:
    summary: str
    market: str = ""
    program: str = ""
    mw: Decimal | None = None
    location: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    respond_by: datetime | None = None
    ack_code: str = ""  # the short number in "Reply 4 to ack"
    test: bool = False
    team: str = ""  # the team's name or slug, for bundles ("6 pages for grid-ops")
    severity: str = "critical"
    url: str = ""  # the event's page, absolute
    declinable: bool = False  # may be declined (an OpenADR VTN's event): a Decline button

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("starts_at", "ends_at", "respond_by"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        if data["mw"] is not None:
            data["mw"] = str(data["mw"])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PageContent":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("starts_at", "ends_at", "respond_by"):
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        if values.get("mw") is not None:
            values["mw"] = Decimal(values["mw"])
        return cls(**values)
