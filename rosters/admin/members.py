"""A team's members on its admin page: rows of the table behind `Team.members`."""

from django.contrib import admin
from django.db.models.signals import m2m_changed

from rosters.models import Person, Team

# Each row of the member inline is labelled with its object; the auto-created through model
# would say "Team_members object (3)".
Team.members.through.__str__ = lambda membership: membership.person.handle


class TeamMemberInline(admin.TabularInline):
    model = Team.members.through
    extra = 0
    autocomplete_fields = ["person"]
    verbose_name = "member"
    verbose_name_plural = "members"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class MembersChangedMixin:
    """The member rows are written straight into the table behind `members`, which Django does
    without the m2m_changed that `members.add()` and `.remove()` send (nor any save signal):
    send it, as they would have, for those who listen (the audit log)."""

    def save_related(self, request, form, formsets, change):
        team = form.instance
        before = set(team.members.values_list("pk", flat=True))
        super().save_related(request, form, formsets, change)
        after = set(team.members.values_list("pk", flat=True))
        for action, pks in (("post_remove", before - after), ("post_add", after - before)):
            if pks:
                m2m_changed.send(
                    Team.members.through,
                    instance=team,
                    action=action,
                    reverse=False,
                    model=Person,
                    pk_set=pks,
                    using=team._state.db,
                )
