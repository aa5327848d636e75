"""URLs of the notifications app, included at the site root by edrops/urls.py."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("hooks/twilio/status/<int:notification_id>", views.twilio_status, name="twilio-status"),
    path("hooks/twilio/voice/<int:notification_id>", views.twilio_voice, name="twilio-voice"),
    path("hooks/twilio/gather/<int:notification_id>", views.twilio_gather, name="twilio-gather"),
    path("hooks/twilio/sms", views.twilio_sms, name="twilio-sms"),
    path("hooks/slack/interactive", views.slack_interactive, name="slack-interactive"),
]
