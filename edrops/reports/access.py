"""Who may read the reports: staff and ops leads, the same rule as the audit log's."""

from edrops.audit.access import may_read_audit_log


def may_see_reports(user) -> bool:
    """Whoever acts on every team (staff, superusers, leads: `edrops.permissions`)."""
    return may_read_audit_log(user)
