"""People and their contact rules."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from rosters.calendar import calendar_links
from rosters.durations import FriendlyDurations
from rosters.models import ContactRule, Person
from rosters.models.people import new_calendar_token


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
