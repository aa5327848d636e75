"""The admin an ops lead keeps the rosters in. Times are shown, and typed, in the zone they
belong to: a rotation's overrides in the rotation's zone, a team's schedule in the team's."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from rosters.admin_members import MembersChangedMixin, TeamMemberInline
from rosters.calendar import calendar_links
from rosters.durations import FriendlyDurations, friendly
from rosters.models import (
    ContactRule,
    EscalationPolicy,
    EscalationStep,
    Override,
    Person,
    Rotation,
    RotationMember,
    Team,
)
from rosters.models.people import new_calendar_token
from rosters.selectors import OnCall, on_call_for_teams, policy_warning, shifts
from rosters.validators import TARGET_SPELLINGS, format_duration, shown_target

SCHEDULE_DAYS = 14


def local(at: datetime | None, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %b %H:%M %Z") if at else "no change ahead"


def describe(entry: OnCall, tz) -> str:
    who = entry.person.handle if entry.person else "nobody"
    mark = " (override)" if entry.override else ""
    return f"{who}{mark} until {local(entry.until, tz)}" if entry.until else f"{who}{mark}"


class OnCallChangeList(ChangeList):
    """Works out who is on call for the whole page at once (a fixed number of queries),
    instead of once per row."""

    def get_results(self, request):
        super().get_results(request)
        teams = {getattr(obj, "team", obj) for obj in self.result_list}
        answers = on_call_for_teams(teams=list(teams), at=timezone.now())
        by_rotation = {e.rotation.pk: e for entries in answers.values() for e in entries}
        for obj in self.result_list:
            if isinstance(obj, Team):
                obj.on_call_now = answers.get(obj.pk, [])
            else:
                obj.on_call_now = [by_rotation[obj.pk]] if obj.pk in by_rotation else []


# --- People ------------------------------------------------------------------------------------


class ContactRuleInline(FriendlyDurations, admin.TabularInline):
    model = ContactRule
    extra = 0
    fields = ["position", "channel", "delay"]
    verbose_name_plural = "contact rules (in order; delays count from when a step reaches them)"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = [
        "handle",
        "name",
        "role",
        "user",
        "timezone",
        "phone",
        "slack_user_id",
        "working_hours",
    ]
    list_filter = ["role", "timezone", "teams"]
    search_fields = ["handle", "name", "email", "phone", "slack_user_id"]
    autocomplete_fields = ["user"]
    inlines = [ContactRuleInline]
    readonly_fields = ["calendar_feeds"]
    actions = ["new_calendar_links"]
    fieldsets = [
        (None, {"fields": ["handle", "name"]}),
        (
            "Who may do what",
            {
                "fields": ["user", "role"],
                "description": "A responder acts on the events of their teams and on those "
                "they were paged for; a lead on every team's. The login is kept in the group "
                "of the role (Responders or Leads). Staff logins act on everything.",
            },
        ),
        ("Reaching them", {"fields": ["email", "phone", "slack_user_id"]}),
        ("Time", {"fields": ["timezone", "work_starts", "work_ends"]}),
        ("Calendar", {"fields": ["calendar_feeds"]}),
    ]

    @admin.display(description="calendar feeds (subscribe in any calendar app)")
    def calendar_feeds(self, person: Person) -> str:
        if not person.pk:
            return "available once saved"
        return format_html(
            "<ul>{}</ul><p>The links are personal. If one leaks, use the action "
            "“New calendar links” on the list of people.</p>",
            format_html_join(
                "",
                '<li>{}: <a href="{}">{}</a></li>',
                ((k, v, v) for k, v in calendar_links(person).items()),
            ),
        )

    @admin.action(description="New calendar links (the old ones stop working)")
    def new_calendar_links(self, request, queryset):
        for person in queryset:
            person.calendar_token = new_calendar_token()
            person.save(update_fields=["calendar_token"])
        self.message_user(request, f"New calendar links for {queryset.count()} people.")


# --- Teams -------------------------------------------------------------------------------------


class RotationInline(FriendlyDurations, admin.TabularInline):
    model = Rotation
    extra = 0
    fields = ["name", "timezone", "start_date", "start_time", "shift", "people_and_overrides"]
    readonly_fields = ["people_and_overrides"]
    show_change_link = True

    @admin.display(description="people and overrides")
    def people_and_overrides(self, rotation: Rotation) -> str:
        if not rotation.pk:
            return "save first"
        people = ", ".join(m.person.handle for m in rotation.members.select_related("person"))
        url = reverse("admin:rosters_rotation_change", args=[rotation.pk])
        return format_html('<a href="{}">{}</a>', url, people or "nobody yet: add people")


class EscalationPolicyInline(FriendlyDurations, admin.StackedInline):
    model = EscalationPolicy
    fk_name = "team"
    fields = ["ack_sla", "repeat", "steps"]
    readonly_fields = ["steps"]
    can_delete = False

    @admin.display(description="steps")
    def steps(self, policy: EscalationPolicy) -> str:
        if not policy.pk:
            return "save first, then add steps"
        url = reverse("admin:rosters_escalationpolicy_change", args=[policy.pk])
        lines = [
            f"{i + 1}. {', '.join(shown_target(t) for t in s.targets)}"
            + (f", then wait {format_duration(s.wait)}" if s.wait else "")
            for i, s in enumerate(policy.steps.all())
        ]
        return format_html(
            "{}<br><a href='{}'>Edit the steps</a>",
            format_html_join("", "{}<br>", ((line,) for line in lines)) or "no steps",
            url,
        )


class TestEscalationPolicyInline(EscalationPolicyInline):
    """The policy test dispatches (`test: true`) follow; without one they are posted to the
    team's Slack channel and the outbox only."""

    fk_name = "test_of"
    can_delete = True  # without one, test dispatches go back to Slack and the outbox only
    verbose_name = verbose_name_plural = "test escalation policy (for test dispatches)"
    fields = None
    fieldsets = [
        (
            None,
            {
                "fields": EscalationPolicyInline.fields,
                "description": "What events with test: true (the monthly ISO test) follow "
                "instead of the policy above. Without one, a test dispatch is posted to the "
                "team's Slack channel and the outbox only, and nobody is phoned or texted.",
            },
        )
    ]


@admin.register(Team)
class TeamAdmin(MembersChangedMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "timezone", "on_call", "schedule_link"]
    list_filter = ["timezone"]
    search_fields = ["slug", "name", "members__handle", "members__name"]
    inlines = [TeamMemberInline, RotationInline, EscalationPolicyInline, TestEscalationPolicyInline]
    readonly_fields = ["schedule_link"]
    fields = [
        "slug",
        "name",
        "timezone",
        "slack_channel",
        "repage_at_start",
        "unanswered_opt",
        "schedule_link",
    ]

    def get_changelist(self, request, **kwargs):
        return OnCallChangeList

    @admin.display(description="on call now (until …, local time)")
    def on_call(self, team: Team) -> str:
        entries = getattr(team, "on_call_now", [])
        if not entries:
            return "no rotations"
        return format_html_join(
            "", "{}: {}<br>", ((e.rotation.name, describe(e, team.tz)) for e in entries)
        )

    @admin.display(description="schedule")
    def schedule_link(self, team: Team) -> str:
        if not team.pk:
            return "-"
        url = reverse("admin:rosters_team_schedule", args=[team.pk])
        return format_html('<a href="{}">Next {} days of shifts</a>', url, SCHEDULE_DAYS)

    def get_urls(self):
        schedule = path(
            "<int:team_id>/schedule/",
            self.admin_site.admin_view(self.schedule_view),
            name="rosters_team_schedule",
        )
        return [schedule, *super().get_urls()]

    def schedule_view(self, request, team_id: int):
        team = get_object_or_404(Team, pk=team_id)
        if not self.has_view_permission(request, team):
            raise PermissionDenied
        tz = team.tz
        today = timezone.now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today
        end = (today.replace(tzinfo=None) + timedelta(days=SCHEDULE_DAYS)).replace(tzinfo=tz)
        rows = [
            {
                "rotation": s.rotation,
                "person": s.person,
                "starts": s.starts_at.astimezone(tz),
                "ends": s.ends_at.astimezone(tz),
                "hours": round((s.ends_at - s.starts_at).total_seconds() / 3600, 2),
                "override": s.override,
            }
            for s in shifts(team=team, start=start, end=end)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "team": team,
            "title": f"Shifts of {team.name}, next {SCHEDULE_DAYS} days ({team.timezone})",
            "rows": rows,
        }
        return TemplateResponse(request, "admin/rosters/team/schedule.html", context)


# --- Rotations and overrides -----------------------------------------------------------------


class InRotationZone:
    """Show and read the overrides' times in the rotation's zone, the zone the ops lead
    thinks in (and the roster file uses), instead of the server's UTC. On an add page the
    zone is the one chosen in the form (the rotation picked, or the new rotation's zone)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        rotation = self.rotation_of(object_id)
        return self._in_zone(
            rotation.timezone if rotation else None,
            super().change_view,
            request,
            object_id,
            form_url,
            extra_context,
        )

    def add_view(self, request, form_url="", extra_context=None):
        return self._in_zone(
            self.zone_for_add(request), super().add_view, request, form_url, extra_context
        )

    def _in_zone(self, zone: str | None, view, request, *args):
        try:
            tz = ZoneInfo(zone) if zone else None
        except (ValueError, ZoneInfoNotFoundError):  # a typo in the form: the form says so
            tz = None
        with timezone.override(tz or timezone.get_current_timezone()):
            response = view(request, *args)
            if hasattr(response, "render"):  # render now, while the zone is in force
                response.render()
            return response


class RotationMemberInline(admin.TabularInline):
    model = RotationMember
    extra = 0
    autocomplete_fields = ["person"]
    verbose_name_plural = "people, in the order they take the rotation"


class OverrideInline(admin.TabularInline):
    model = Override
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "starts_at", "ends_at"]
    verbose_name_plural = "overrides (times in the rotation's time zone)"

    def get_queryset(self, request):
        horizon = timezone.now() - timedelta(days=7)
        return super().get_queryset(request).filter(ends_at__gte=horizon)


@admin.register(Rotation)
class RotationAdmin(FriendlyDurations, InRotationZone, admin.ModelAdmin):
    list_display = ["name", "team", "timezone", "shift_length", "on_call"]
    list_filter = ["team", "timezone"]
    search_fields = ["name", "team__slug", "team__name"]
    list_select_related = ["team"]
    autocomplete_fields = ["team"]
    inlines = [RotationMemberInline, OverrideInline]

    def rotation_of(self, object_id):
        return Rotation.objects.filter(pk=object_id).first()

    @admin.display(description="shift", ordering="shift")
    def shift_length(self, rotation: Rotation) -> str:
        return friendly(rotation.shift)

    def zone_for_add(self, request) -> str | None:
        return request.POST.get("timezone")

    def get_changelist(self, request, **kwargs):
        return OnCallChangeList

    @admin.display(description="on call now (until …, local time)")
    def on_call(self, rotation: Rotation) -> str:
        entries = getattr(rotation, "on_call_now", [])
        return describe(entries[0], rotation.tz) if entries else "-"


@admin.register(Override)
class OverrideAdmin(InRotationZone, admin.ModelAdmin):
    list_display = ["rotation", "person", "starts_local", "ends_local"]
    list_filter = ["rotation__team", "rotation"]
    search_fields = ["person__handle", "person__name", "rotation__name", "rotation__team__slug"]
    list_select_related = ["rotation__team", "person"]
    autocomplete_fields = ["rotation", "person"]
    date_hierarchy = "starts_at"

    def rotation_of(self, object_id):
        override = Override.objects.select_related("rotation").filter(pk=object_id).first()
        return override.rotation if override else None

    def zone_for_add(self, request) -> str | None:
        pk = request.POST.get("rotation") or request.GET.get("rotation")
        rotation = Rotation.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        return rotation.timezone if rotation else None

    @admin.display(description="starts (rotation's time)", ordering="starts_at")
    def starts_local(self, o: Override) -> str:
        return local(o.starts_at, o.rotation.tz)

    @admin.display(description="ends (rotation's time)", ordering="ends_at")
    def ends_local(self, o: Override) -> str:
        return local(o.ends_at, o.rotation.tz)


# --- Escalation --------------------------------------------------------------------------------


class TargetsField(forms.CharField):
    """Targets typed as the roster file writes them: `rotation:primary, person:dan`."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [t.strip() for t in text.split(",") if t.strip()]


class EscalationStepForm(forms.ModelForm):
    targets = TargetsField(
        help_text=f"comma-separated: {TARGET_SPELLINGS} (WEBHOOKS names the webhooks)",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = EscalationStep
        fields = ["position", "targets", "wait"]


class EscalationStepInline(FriendlyDurations, admin.TabularInline):
    model = EscalationStep
    form = EscalationStepForm
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(FriendlyDurations, admin.ModelAdmin):
    list_display = ["__str__", "sla", "repeat", "step_count"]
    search_fields = ["team__slug", "team__name", "test_of__slug", "test_of__name"]
    list_select_related = ["team", "test_of"]
    autocomplete_fields = ["team", "test_of"]
    inlines = [EscalationStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description="acknowledgement SLA", ordering="ack_sla")
    def sla(self, policy: EscalationPolicy) -> str:
        return friendly(policy.ack_sla)

    @admin.display(description="steps")
    def step_count(self, policy: EscalationPolicy) -> int:
        return len(policy.steps.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        policy = form.instance
        warning = policy_warning(team=policy.owner, test=bool(policy.test_of_id))
        if warning:
            messages.warning(request, f"{policy}: {warning}")
