from django import template

from edrops.audit.access import may_read_audit_log
from edrops.dashboard import selectors

register = template.Library()

register.filter("mw", selectors.mw)
register.filter("may_read_audit_log", may_read_audit_log)
