"""Maintenance windows in the Django admin: the same checks as the API and the dashboard
(`window_errors`), and after each save or delete the sources' heartbeat deadlines put right
(`window_changed`), so a window shortened or deleted here lets a silent feed alarm at once."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from edrops.models import MaintenanceWindow
from edrops.permissions import Actor
from edrops.services.maintenance import WindowInput, end_window, window_changed, window_errors

MATCH_FIELDS = {"market": "match_market", "program": "match_program", "severity": "match_severity"}


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = [
            "name",
            "source",
            "team",
            "match_market",
            "match_program",
            "match_severity",
            "mode",
            "starts_at",
            "ends_at",
            "time_zone",
            "rrule",
            "ended_at",
        ]

    def clean(self):
        data = super().clean()
        if self.errors or data.get("starts_at") is None or data.get("ends_at") is None:
            return data
        given = WindowInput(
            name=data.get("name") or "",
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            mode=data.get("mode") or "",
            source=data.get("source"),
            team=data.get("team"),
            match={key: data.get(column) or "" for key, column in MATCH_FIELDS.items()},
            rrule=data.get("rrule") or "",
            time_zone=data.get("time_zone") or "UTC",
        )
        # An existing window may be over already (it is being looked at, or ended early).
        now = timezone.now() if self.instance.pk is None else data["starts_at"]
        for name, problems in window_errors(data=given, now=now).items():
            field = "match_market" if name == "match" else name
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)
        return data


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    form = MaintenanceWindowForm
    list_display = ["name", "scope", "mode", "starts_at", "ends_at", "rrule", "time_zone",
                    "ended_at", "created_by"]  # fmt: skip
    list_filter = ["mode", "team"]
    search_fields = ["name"]
    readonly_fields = ["series_ends_at", "ended_by", "created_by", "created_at"]
    actions = ["end_now"]

    @admin.display(description="covers")
    def scope(self, obj: MaintenanceWindow) -> str:
        return obj.scope()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        window_changed(window=obj, now=timezone.now())

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        window_changed(window=obj, now=timezone.now())

    def delete_queryset(self, request, queryset):
        windows = list(queryset)
        super().delete_queryset(request, queryset)
        for window in windows:
            window_changed(window=window, now=timezone.now())

    @admin.action(description="End the selected windows now")
    def end_now(self, request, queryset):
        actor = Actor.of_login(request.user)
        for window in queryset.select_related("source__team", "team"):
            end_window(window=window, actor=actor, now=timezone.now())
        self.message_user(request, f"Ended {queryset.count()} maintenance window(s).")
