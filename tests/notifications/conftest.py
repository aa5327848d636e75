from datetime import UTC, datetime
from decimal import Decimal

import pytest

from notifications.content import PageContent
from tests.factories import PersonFactory
from tests.fakes.fixtures import slack, twilio  # noqa: F401 -- fixtures
from tests.notifications import engine_stand_in

# 12:15 CDT on the day of the MISO example: its dispatch starts at 14:00 CDT.
NOON = datetime(2026, 7, 14, 17, 15, tzinfo=UTC)


@pytest.fixture
def alice(db):
    return PersonFactory(
        handle="alice", phone="+13125550101", slack_user_id="U0ALICE", timezone="America/Chicago"
    )


@pytest.fixture
def miso():
    return PageContent(
        summary="MISO LMR scheduling instruction: curtail 12.5 MW in LRZ 4",
        market="MISO",
        program="LMR",
        mw=Decimal("12.5"),
        location="LRZ 4",
        starts_at=datetime(2026, 7, 14, 19, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 14, 23, 0, tzinfo=UTC),
        ack_code="4",
        team="grid-ops",
        url="http://127.0.0.1:8000/events/abc",
    )


@pytest.fixture
def engine(settings):
    """What the engine was handed: InboundReply rows, in order."""
    settings.NOTIFICATIONS_REPLY_TASK = "tests.notifications.engine_stand_in.reply_received"
    settings.NOTIFICATIONS_MAY_ANSWER = "tests.notifications.engine_stand_in.may_answer"
    engine_stand_in.received.clear()
    yield engine_stand_in.received
    engine_stand_in.received.clear()


@pytest.fixture
def unreachable(settings):
    """What the engine was told about people no page reached: (person id, reference,
    [[channel, why], ...]), in order."""
    settings.NOTIFICATIONS_UNDELIVERABLE_TASK = (
        "tests.notifications.engine_stand_in.page_undeliverable"
    )
    engine_stand_in.unreachable.clear()
    yield engine_stand_in.unreachable
    engine_stand_in.unreachable.clear()
