"""Who may read the audit log: whoever acts on every team (staff, superusers and leads,
`edrops.permissions`; a lead's login is also in the "Leads" group, kept in step with the
person's role by `rosters.services.roles`)."""

from edrops import permissions


def may_read_audit_log(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return permissions.Actor.of_login(user).acts_on_every_team
