"""The person's admin page, with what only edrops can add to it: *Send a test page* (a button
on the page, an action on the list) and how the last one went, a contact method that failed
it flagged on the page and in the list. Built on the rosters app's own admin (which knows
nothing of notifications), registered in its place."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from edrops.permissions import Actor, MayNotTestPage
from edrops.services.drills import send_test_page
from notifications import selectors as notifications
from notifications.services import NothingToTest, TooSoonForTestPage
from rosters import admin as rosters_admin  # registers Person first, so it can be replaced
from rosters.models import Person

admin.site.unregister(Person)


@admin.register(Person)
class PersonAdmin(rosters_admin.PersonAdmin):
    change_form_template = "admin/rosters/person/change_form_test_page.html"
    list_display = [*rosters_admin.PersonAdmin.list_display, "test_page_flag"]
    readonly_fields = [*rosters_admin.PersonAdmin.readonly_fields, "test_page"]
    fieldsets = [
        *rosters_admin.PersonAdmin.fieldsets,
        (
            "Test page",
            {
                "fields": ["test_page"],
                "description": "“Send a test page” (top right) sends “This is a test page from "
                "edrops” on each of their contact methods. It is not an event and pages nobody "
                "else.",
            },
        ),
    ]
    actions = [*rosters_admin.PersonAdmin.actions, "send_test_pages"]

    def get_changelist_instance(self, request):
        """The failures of the whole page at once (two queries), not one lookup a row."""
        changelist = super().get_changelist_instance(request)
        failed = notifications.failed_test_pages(
            person_ids=[p.pk for p in changelist.result_list]
        )
        for person in changelist.result_list:
            person.failed_checks = failed.get(person.pk, [])
        return changelist

    @admin.display(description="test page")
    def test_page_flag(self, person: Person) -> str:
        failed = getattr(person, "failed_checks", [])
        if not failed:
            return ""
        return format_html(
            '<strong style="color:#b3261e">failed: {}</strong>',
            "; ".join(f"{c.channel} {c.to}" for c in failed),
        )

    @admin.display(description="last test page")
    def test_page(self, person: Person) -> str:
        page = notifications.latest_test_page(person_id=person.pk) if person.pk else None
        if page is None:
            return "none yet"
        rows = format_html_join(
            "",
            "<li>{}{} to {}: <strong>{}</strong>{}</li>",
            (
                (
                    "FAILED · " if r.state == "failed" else "",
                    r.channel,
                    r.to or "(no address)",
                    r.state,
                    _aside(r),
                )
                for r in page.results
            ),
        )
        return format_html(
            "<p>{} UTC, asked for by {}{}</p><ul>{}</ul>",
            page.requested_at.strftime("%Y-%m-%d %H:%M:%S"),
            page.requested_by,
            " (still under way: reload for the providers' answers)" if page.under_way else "",
            rows,
        )

    def get_urls(self):
        send = path(
            "<int:person_id>/test-page/",
            self.admin_site.admin_view(self.test_page_view),
            name="rosters_person_test_page",
        )
        return [send, *super().get_urls()]

    def test_page_view(self, request, person_id: int):
        """The page's *Send a test page* button (a POST); back to the page, saying how."""
        if request.method != "POST":
            raise PermissionDenied
        person = get_object_or_404(Person, pk=person_id)
        self._send(request, person)
        return redirect(reverse("admin:rosters_person_change", args=[person.pk]))

    @admin.action(description="Send a test page (every contact method)")
    def send_test_pages(self, request, queryset):
        for person in queryset:
            self._send(request, person)

    def _send(self, request, person: Person) -> None:
        try:
            send_test_page(actor=Actor.of_login(request.user), person=person, now=timezone.now())
        except MayNotTestPage as refused:
            self.message_user(request, refused.detail, messages.ERROR)
        except NothingToTest:
            self.message_user(
                request, f"{person}: no phone, email or Slack user id to test.", messages.ERROR
            )
        except TooSoonForTestPage as soon:
            self.message_user(
                request,
                f"{person}: a test page went out less than a minute ago (again in "
                f"{soon.retry_after} s).",
                messages.WARNING,
            )
        else:
            self.message_user(
                request, f"Test page sent to {person}: the results show on their page."
            )


def _aside(result) -> str:
    """After a result: why it failed, or that it went to the outbox (no credentials)."""
    if result.state == "failed":
        return f" ({result.detail})"
    return " (to the outbox)" if result.via_outbox else ""
