"""Rotations and overrides, typed and shown in the rotation's zone."""

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import admin
from django.utils import timezone

from rosters.admin.common import OnCallChangeList, describe, local
from rosters.durations import FriendlyDurations, friendly
from rosters.models import Override, Rotation, RotationMember


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
