from django.contrib import admin

from notifications.models import InboundReply, Notification, NotificationLog, OutboxMessage


class LogInline(admin.TabularInline):
    model = NotificationLog
    fields = ["at", "state", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "addressee",
        "channel",
        "kind",
        "state",
        "attempts",
        "reference",
    ]
    list_filter = ["state", "channel", "kind", "via_outbox"]
    search_fields = ["reference", "person__handle", "slack_channel", "provider_id", "text"]
    raw_id_fields = ["person", "held_in"]
    list_select_related = ["person"]
    # A forward's destination may be a PagerDuty routing key, a secret: `addressee` shows it by
    # its last four characters instead.
    exclude = ["destination"]
    readonly_fields = ["addressee"] + [
        f.name for f in Notification._meta.fields if f.name != "destination"
    ]
    inlines = [LogInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description="to", ordering="person__handle")
    def addressee(self, notification: Notification) -> str:
        return notification.addressee


@admin.register(InboundReply)
class InboundReplyAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "channel", "person", "sender", "text", "action"]
    list_filter = ["channel"]
    search_fields = ["sender", "text", "person__handle"]
    readonly_fields = [f.name for f in InboundReply._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "channel", "to", "subject"]
    list_filter = ["channel"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
