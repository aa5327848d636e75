"""The demo's example dispatch, with times relative to now, so what it pages reads well any
day ("at 14:30 CST (in 30 min)", never "since Tue 14:00 CDT (140 d 4 h ago)")."""

from datetime import datetime, timedelta
from typing import Any

DEMO_SOURCE = "miso-dispatch"
DEMO_TOKEN = f"demo-{DEMO_SOURCE}"  # seed_demo gives each demo source the token demo-<name>


def dispatch_body(*, now: datetime, starts_in: timedelta, test: bool = False) -> dict[str, Any]:
    """A MISO LMR scheduling instruction like `edrops/api/examples/miso-lmr-dispatch.json`,
    starting `starts_in` from `now` (to the minute) for four hours, with an id of its own so
    that each one is a new event."""
    starts = (now + starts_in).replace(second=0, microsecond=0)
    return {
        "external_id": f"DEMO-{now:%Y%m%d-%H%M%S}",
        "status": "scheduled",
        "summary": "MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4",
        "severity": "critical",
        "market": "MISO",
        "program": "LMR",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=4)).isoformat(),
        "mw": 12.5,
        "location": "LRZ 4 / AMIL.BGS6",
        "resources": ["LMR-AMIL-0031", "LMR-AMIL-0032"],
        "test": test,
        "details": {"demo": True, "reason": "Forced generation outages, above normal temperatures"},
    }
