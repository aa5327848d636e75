from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone

from edrops import selectors, services
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


class HeartbeatStateFilter(admin.SimpleListFilter):
    title = "heartbeat"
    parameter_name = "heartbeat"

    def lookups(self, request, model_admin):
        return selectors.HeartbeatState.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(heartbeat_state=self.value())
        return queryset


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """The token is never shown: it is set when the source is created (and shown once) or
    rotated with the action."""

    list_display = [
        "name",
        "team",
        "rate_limit",
        "heartbeat_interval",
        "last_heartbeat_at",
        "next_due",
        "heartbeat",
        "created_at",
    ]
    list_filter = [HeartbeatStateFilter, "team"]
    search_fields = ["name"]
    fields = [
        "name",
        "team",
        "may_page",
        "rate_limit",
        "heartbeat_interval",
        "heartbeat_grace",
        "heartbeat_severity",
        "events_count_as_life",
        "heartbeat",
        "last_heartbeat_at",
        "next_due",
        "heartbeat_alarm",
    ]
    readonly_fields = ["heartbeat", "last_heartbeat_at", "next_due", "heartbeat_alarm"]
    filter_horizontal = ["may_page"]  # its own team always; these besides (a body's `team`)
    actions = ["rotate_tokens"]

    def get_queryset(self, request):
        return selectors.with_heartbeat_state(super().get_queryset(request), now=timezone.now())

    @admin.display(description="state", ordering="heartbeat_state")
    def heartbeat(self, obj):
        state = getattr(obj, "heartbeat_state", None)
        return selectors.HeartbeatState(state).label if state else "-"

    @admin.display(description="next due", ordering="heartbeat_due_at")
    def next_due(self, obj):
        return obj.heartbeat_due_at

    def changelist_view(self, request, extra_context=None):
        # Source health means little when nothing is watching it: say so above the list.
        health = selectors.readiness(now=timezone.now())
        extra = {"missing_processes": health.missing, "liveness_timeout": health_timeout()}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def save_model(self, request, obj, form, change):
        if not change:
            token = new_token()
            obj.set_token(token)
            super().save_model(request, obj, form, change)
            self._show_token(request, obj, token)
        else:
            super().save_model(request, obj, form, change)
        if not change or {"heartbeat_interval", "heartbeat_grace"} & set(form.changed_data):
            was_monitored = change and form.initial.get("heartbeat_interval") is not None
            services.rearm(source=obj, was_monitored=was_monitored, now=timezone.now())

    @admin.action(description="Rotate the token of the selected sources (old ones stop working)")
    def rotate_tokens(self, request, queryset):
        for source in queryset:
            self._show_token(request, source, services.rotate_token(source=source))

    def _show_token(self, request, source, token):
        messages.warning(request, f"Token of {source.name} (shown once, copy it now): {token}")


def health_timeout() -> int:
    return round(settings.LIVENESS_TIMEOUT)


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
