"""Keeping a person's role and their login's groups in step (rosters/services/roles.py),
whichever side the admin, the roster file or a script changed."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from rosters.models import Person
from rosters.services.roles import (
    leave_role_groups,
    put_login_in_role_group,
    take_role_from_groups,
)


@receiver(pre_save, sender=Person)
def remember_login(sender, instance: Person, **kwargs) -> None:
    # Which login the person had, so the one it loses leaves the role groups.
    instance._login_before = (
        Person.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        if instance.pk
        else None
    )


@receiver(post_save, sender=Person)
def role_to_groups(sender, instance: Person, **kwargs) -> None:
    put_login_in_role_group(person=instance, login_before=getattr(instance, "_login_before", None))


@receiver(post_delete, sender=Person)
def login_leaves_role_groups(sender, instance: Person, **kwargs) -> None:
    if instance.user_id is not None:
        leave_role_groups(user_id=instance.user_id)


def groups_to_role(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # Forward: `instance` is the login. Reverse (group.user_set.add(...)): `pk_set` are logins.
    users = (pk_set or ()) if reverse else (instance.pk,)
    for user_id in users:
        take_role_from_groups(user_id=user_id)


def connect() -> None:
    m2m_changed.connect(
        groups_to_role, sender=get_user_model().groups.through, dispatch_uid="rosters.roles"
    )
