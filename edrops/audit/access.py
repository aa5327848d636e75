"""Who may read the audit log."""

LEADS_GROUP = "Leads"


def may_read_audit_log(user) -> bool:
    """Staff, superusers and the members of the "Leads" group.

    The team permissions (roles) branch replaces this with its own rule, leads being people
    whose roster `role:` is `lead`; this is the one place that decides it."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or user.is_superuser or user.groups.filter(name=LEADS_GROUP).exists()
