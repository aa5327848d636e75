from django.contrib import admin

from edrops.models import ProcessCheckIn


@admin.register(ProcessCheckIn)
class ProcessCheckInAdmin(admin.ModelAdmin):
    list_display = ["role", "name", "started_at", "last_seen"]
    list_filter = ["role"]
    ordering = ["role", "-last_seen"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
