"""The audit log in the admin, read-only (auditlog's own list, which can't add, change or
delete), for whoever may read it, with the actor as the log names it ("roster file
roster.yaml (load_roster, OS user ops)"), not only logins."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from edrops.audit.access import may_read_audit_log
from edrops.audit.selectors import actor_of

admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogAdmin(LogEntryAdmin):
    list_display = ["created", "resource_url", "action", "msg_short", "actor_name"]
    readonly_fields = ["created", "resource_url", "action", "actor_name", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "actor_name", "resource_url"]}),
        ("Changes", {"fields": ["action", "msg"]}),
    ]
    search_fields = ["object_repr", "additional_data"]

    @admin.display(description="actor")
    def actor_name(self, entry: LogEntry) -> str:
        return actor_of(entry)

    def has_module_permission(self, request) -> bool:
        return may_read_audit_log(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return may_read_audit_log(request.user)
