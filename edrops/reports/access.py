"""Who may read the reports: one function, so the roles the permissions work brings (a
person's `role: lead`) change this line and nothing else."""

LEADS_GROUP = "Leads"


def may_see_reports(user) -> bool:
    """Staff, and ops leads: until roles exist, members of the Django group "Leads"."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.groups.filter(name=LEADS_GROUP).exists()
