from django.contrib import admin, messages

from edrops import services
from edrops.models import (
    Event,
    EventRevision,
    ProcessCheckIn,
    RejectedMessage,
    Source,
    TimelineEntry,
)
from edrops.models.sources import new_token


@admin.register(ProcessCheckIn)
class ProcessCheckInAdmin(admin.ModelAdmin):
    list_display = ["role", "name", "started_at", "last_seen"]
    list_filter = ["role"]
    ordering = ["role", "-last_seen"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """The token is never shown: it is set when the source is created (and shown once) or
    rotated with the action."""

    list_display = ["name", "team", "rate_limit", "heartbeat_interval", "created_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    fields = [
        "name",
        "team",
        "rate_limit",
        "heartbeat_interval",
        "heartbeat_grace",
        "heartbeat_severity",
        "events_count_as_life",
    ]
    actions = ["rotate_tokens"]

    def save_model(self, request, obj, form, change):
        if not change:
            token = new_token()
            obj.set_token(token)
            super().save_model(request, obj, form, change)
            self._show_token(request, obj, token)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description="Rotate the token of the selected sources (old ones stop working)")
    def rotate_tokens(self, request, queryset):
        for source in queryset:
            self._show_token(request, source, services.rotate_token(source=source))

    def _show_token(self, request, source, token):
        messages.warning(request, f"Token of {source.name} (shown once, copy it now): {token}")


class RevisionInline(admin.TabularInline):
    model = EventRevision
    fields = ["revision", "sender_status", "received_at", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    fields = ["at", "kind", "person", "channel", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "summary",
        "status",
        "severity",
        "test",
        "source",
        "team",
        "acknowledged_by_name",
    ]
    list_filter = ["status", "severity", "test", "integration", "source", "team", "market"]
    search_fields = ["external_id", "summary", "location"]
    date_hierarchy = "created_at"
    inlines = [RevisionInline, TimelineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RejectedMessage)
class RejectedMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "endpoint", "errors"]
    list_filter = ["source", "endpoint"]
    fields = ["received_at", "source", "endpoint", "content_type", "errors", "body"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
