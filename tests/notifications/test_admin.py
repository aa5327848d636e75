"""The admin shows a notification with its log, read-only, and the replies that came in."""

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Channel, InboundReply, Notification
from tests.fakes.queue import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_an_ops_lead_reads_a_notifications_log_and_replies_in_the_admin(
    admin_client, alice, miso, settings
):
    settings.TWILIO_ACCOUNT_SID = ""
    notification = services.schedule_page(
        person=alice, channel=Channel.SMS, content=miso, reference="e-1", due_at=timezone.now()
    )
    run_queued_tasks()
    InboundReply.objects.create(
        channel=Channel.SMS, person=alice, sender=alice.phone, text="4", received_at=timezone.now()
    )

    page = admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "outbox (+13125550101)" in text
    assert "Reply 4 to ack." in text
    assert 'name="state"' not in text, "read-only"
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403

    replies = admin_client.get("/admin/notifications/inboundreply/").content.decode()
    assert "+13125550101" in replies
    assert Notification.objects.get(pk=notification.pk).state == "sent"
