"""The board's rows, each drawn once for what it shows. A poll redraws the board whenever
anything on it changes, and most of its 220 rows read as they did: an age ticks over on a
few of them a minute, someone acknowledges one. So each drawn row is kept in the `board`
cache (settings.CACHES), by its value, and a redraw draws only the rows that read
differently.

Never stale, never someone else's: a row (rows.py) is plain data, every word, time (in the
viewer's zone), link and flag (may this viewer act on it) its template reads, and its
template reads nothing else. The key is a digest of that value, of the template's name, and
of the code that draws it (freshness.code), so a row that reads differently in any way, or
for a viewer with another zone or other rights, has another key. The one thing a row shows
that is this request's own is the CSRF token of its forms: rows are drawn with a stand-in
token, and this request's token is put in its place.

With DEBUG on nothing is kept: a template edited under runserver shows at once (the key's
digest of the code is read once per process).
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.template import Context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from edrops.dashboard import freshness

CACHE = "board"
# Letters and digits, as a real (masked) token; the input it makes can't come out of a row's
# text, which is escaped (`<` is `&lt;` there).
_STAND_IN = "rowcsrfstandin" * 4
_STAND_IN_INPUT = CsrfTokenNode().render(Context({"csrf_token": _STAND_IN}))


def _key(template_name: str, row: dict) -> str:
    value = hashlib.blake2b(repr(row).encode(), digest_size=16).hexdigest()
    return f"row:{template_name}:{freshness.code()}:{value}"


def drawn(*, rows: list[dict], template_name: str, csrf_input: str) -> SafeString:
    """`rows` drawn with `template_name` (which reads only `row`), one after the other; the
    forms' CSRF token input is `csrf_input`, as the request's `{% csrf_token %}` draws it."""
    keys = [_key(template_name, row) for row in rows]
    cache = None if settings.DEBUG else caches[CACHE]
    kept = cache.get_many(keys) if cache else {}
    template = get_template(template_name).template
    new = {}
    for key, row in zip(keys, rows, strict=True):
        if key not in kept and key not in new:
            new[key] = template.render(Context({"row": row, "csrf_token": _STAND_IN}))
    if cache and new:
        cache.set_many(new)
    html = "".join(kept[key] if key in kept else new[key] for key in keys)
    return mark_safe(html.replace(_STAND_IN_INPUT, csrf_input))  # noqa: S308 -- drawn above, escaped
