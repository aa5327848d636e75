from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from knox import admin as knox_admin  # noqa: F401 -- registered first, so it can be replaced
from knox.models import AuthToken

from edrops import (
    admin_people,  # noqa: F401 -- the person's page, with test pages
    maintenance_admin,  # noqa: F401 -- maintenance windows' pages
    selectors,
    services,
)
from edrops.audit import admin as audit_admin  # noqa: F401 -- the audit log's page in the admin
from edrops.models import (
    ApiAuthFailures,
    Event,
    EventRevision,
    ProcessCheckIn,
    RejectedMessage,
    Source,
    TimelineEntry,
    Vtn,
)
from edrops.models.sources import new_token
from rosters.durations import FriendlyDurations, friendly
from rosters.validators import shown_target

# knox's own admin would show a token it makes in a message (a cookie): replaced below.
admin.site.unregister(AuthToken)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the code writes: listed, and deleted where that means something; never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProcessCheckIn)
class ProcessCheckInAdmin(ReadOnlyAdmin):
    list_display = ["role", "name", "started_at", "last_seen"]
    list_filter = ["role"]
    ordering = ["role", "-last_seen"]


class HeartbeatStateFilter(admin.SimpleListFilter):
    title = "heartbeat"
    parameter_name = "heartbeat"

    def lookups(self, request, model_admin):
        return selectors.HeartbeatState.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(heartbeat_state=self.value())
        return queryset


VTN_FIELDS = [
    "source", "protocol", "url", "ven_name", "ven_id", "poll_interval", "default_opt",
    "cert", "key", "vtn_ca", "client_id", "client_secret", "program",
]  # fmt: skip


class VtnForm(forms.ModelForm):
    class Meta:
        model = Vtn
        fields = VTN_FIELDS
        # Kept (render_value) so that saving the page doesn't clear it, but not shown.
        widgets = {"client_secret": forms.PasswordInput(render_value=True)}


@admin.register(Vtn)
class VtnAdmin(admin.ModelAdmin):
    """An OpenADR source's VTN: the `ven` process polls it (API.md, "OpenADR sources")."""

    form = VtnForm
    list_display = ["source", "protocol", "url", "poll_interval", "owner", "registered_at"]
    list_filter = ["protocol"]
    fields = [*VTN_FIELDS, "owner", "lease_until", "registered_at"]
    readonly_fields = ["owner", "lease_until", "registered_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        source = obj.source
        if source.heartbeat_interval is None:
            # As create_source does: a VTN that stops answering is a silent source.
            source.heartbeat_interval = obj.poll_interval
            source.save(update_fields=["heartbeat_interval"])
            services.rearm(source=source, was_monitored=False, now=timezone.now())


@admin.register(Source)
class SourceAdmin(FriendlyDurations, admin.ModelAdmin):
    """The token is never shown: it is set when the source is created (and shown once) or
    rotated with the action."""

    list_display = [
        "name",
        "team",
        "rate_limit",
        "interval",
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

    @admin.display(description="heartbeat interval", ordering="heartbeat_interval")
    def interval(self, obj) -> str:
        return friendly(obj.heartbeat_interval)

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
            request.new_source_token = token  # shown by response_add, once
        super().save_model(request, obj, form, change)
        if not change or {"heartbeat_interval", "heartbeat_grace"} & set(form.changed_data):
            was_monitored = change and form.initial.get("heartbeat_interval") is not None
            services.rearm(source=obj, was_monitored=was_monitored, now=timezone.now())

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "new_source_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self._show_tokens(request, [(obj, token)])

    @admin.action(description="Rotate the token of the selected sources (old ones stop working)")
    def rotate_tokens(self, request, queryset):
        rotated = [(source, services.rotate_token(source=source)) for source in queryset]
        return self._show_tokens(request, rotated)

    def _show_tokens(self, request, tokens: list[tuple[Source, str]]) -> HttpResponse:
        """The new tokens in this response's page, and nowhere else: not in a message (a cookie
        or the session would hold the token after the page is gone), never cached."""
        context = {
            **self.admin_site.each_context(request),
            "title": "New source tokens",
            "opts": self.model._meta,
            "tokens": tokens,
        }
        response = TemplateResponse(request, "admin/edrops/source/tokens.html", context)
        add_never_cache_headers(response)
        return response


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

    # The policy snapshot as the step form writes targets, routing keys by their last four.
    exclude = ["policy"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "policy"] + ["policy_steps"]

    @admin.display(description="policy (snapshot)")
    def policy_steps(self, event: Event) -> str:
        steps = (event.policy or {}).get("steps") or []
        return "; ".join(
            f"{i + 1}. {', '.join(shown_target(t) for t in step.get('targets', []))}"
            f" (wait {step.get('wait', 0)} s)"
            for i, step in enumerate(steps)
        )

    def has_add_permission(self, request):
        return False


@admin.register(RejectedMessage)
class RejectedMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "source", "endpoint", "errors"]
    list_filter = ["source", "endpoint"]
    fields = ["received_at", "source", "endpoint", "content_type", "errors", "body"]
    readonly_fields = fields


@admin.register(AuthToken)
class PersonTokenAdmin(ReadOnlyAdmin):
    """People's API tokens: whose, made when, expiring when. *Delete* revokes one at once.
    Tokens are made with `manage.py drf_create_token`, which shows each once; never here."""

    list_display = ["user", "token_key", "created", "expiry"]
    list_filter = ["expiry"]
    search_fields = ["user__username"]
    fields = ["user", "token_key", "created", "expiry"]
    readonly_fields = fields


@admin.register(ApiAuthFailures)
class ApiAuthFailuresAdmin(ReadOnlyAdmin):
    """Addresses whose API credentials keep failing (API.md §3). *Delete* unlocks one."""

    list_display = ["address", "failures", "first_failure_at", "last_failure_at", "locked"]
    ordering = ["-last_failure_at"]
    search_fields = ["address"]
    readonly_fields = ["address", "failures", "first_failure_at", "last_failure_at"]

    @admin.display(boolean=True, description="locked now")
    def locked(self, obj) -> bool:
        now = timezone.now()
        return (
            obj.failures >= settings.AXES_FAILURE_LIMIT
            and obj.last_failure_at > now - settings.AXES_COOLOFF_TIME
        )
