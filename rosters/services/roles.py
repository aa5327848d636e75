"""A person's role and the Django groups "Responders" and "Leads", kept in step.

The role is the person's (`Person.role`): the roster file's `role:` and the person's admin page
set it, and edrops/permissions.py reads it. A Django admin looks for who may do what in groups,
so the person's login is always in the group of its role, and the groups work the other way
too: putting a login in "Leads" on the user's admin page makes its person a lead, taking it out
of every role group makes the person a responder. A login with no person is left as it is: a
role belongs to someone on the roster (such a login acts only when it is staff).

The group rows are written through the membership table itself, which sends no signal, so
keeping one side in step with the other never comes back around."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from rosters.models import Person, Role

ROLE_GROUPS = {Role.RESPONDER: "Responders", Role.LEAD: "Leads"}


def role_groups() -> dict[str, Group]:
    """The two groups by role, created when missing (a migration creates them; an admin may
    have deleted one)."""
    return {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUPS.items()}


def _memberships(groups: dict[str, Group]):
    return get_user_model().groups.through.objects.filter(group__in=groups.values())


def leave_role_groups(*, user_id: int) -> None:
    """A login no person has any more is in neither group."""
    _memberships(role_groups()).filter(user_id=user_id).delete()


def put_login_in_role_group(*, person: Person, login_before: int | None = None) -> None:
    """The person's login in its role's group and not the other; `login_before`, a login the
    person no longer has, in neither."""
    if login_before is not None and login_before != person.user_id:
        leave_role_groups(user_id=login_before)
    if person.user_id is None:
        return
    groups = role_groups()
    memberships = _memberships(groups)
    wanted = groups[person.role]
    memberships.filter(user_id=person.user_id).exclude(group=wanted).delete()
    memberships.model.objects.get_or_create(user_id=person.user_id, group=wanted)


def take_role_from_groups(*, user_id: int) -> None:
    """After the login's groups were edited: its person is a lead when the login is in
    "Leads", else a responder; then the login is in exactly that role's group."""
    person = Person.objects.filter(user_id=user_id).first()
    if person is None:
        return
    leads = get_user_model().groups.through.objects.filter(
        user_id=user_id, group__name=ROLE_GROUPS[Role.LEAD]
    )
    role = Role.LEAD if leads.exists() else Role.RESPONDER
    if role != person.role:
        Person.objects.filter(pk=person.pk).update(role=role)  # no save signal: no loop
        person.role = role
    put_login_in_role_group(person=person)
