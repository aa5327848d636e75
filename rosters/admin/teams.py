"""Teams: members, rotations, policies, and the team's schedule page."""

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from rosters.admin.common import SCHEDULE_DAYS, OnCallChangeList, describe
from rosters.admin.members import MembersChangedMixin, TeamMemberInline
from rosters.durations import FriendlyDurations
from rosters.models import EscalationPolicy, Rotation, Team
from rosters.selectors import shifts
from rosters.validators import format_duration, shown_target


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
