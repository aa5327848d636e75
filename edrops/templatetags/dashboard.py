from django import template

from edrops.dashboard import selectors

register = template.Library()

register.filter("mw", selectors.mw)
