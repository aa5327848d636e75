from django import template
from django.template.defaulttags import CsrfTokenNode

from edrops.audit.access import may_read_audit_log
from edrops.dashboard import fragments, selectors

register = template.Library()

register.filter("mw", selectors.mw)
register.filter("may_read_audit_log", may_read_audit_log)


@register.simple_tag(takes_context=True)
def rows_drawn(context, rows: list[dict], template_name: str):
    """The board's `rows`, each drawn with `template_name` (or kept from before: fragments.py),
    their forms carrying this request's CSRF token."""
    csrf_input = CsrfTokenNode().render(context)
    return fragments.drawn(rows=rows, template_name=template_name, csrf_input=csrf_input)
