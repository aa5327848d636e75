"""Reading an integration's body ourselves: the size limit comes before any parsing, and the
exact bytes are at hand to keep when the message is rejected.

A body that is JSON may still be one we can't keep: nested deeper than Python's reader goes,
numbers past what a column holds, strings PostgreSQL refuses. Each is a 400 naming the field
it is in (API.md §4), never an exception further in."""

import json
import math
import re
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException

from edrops.api.adapters.base import InvalidInput
from rosters.columns import json_problem, text_problem

MAX_BODY_BYTES = 512 * 1024
# How deep any field of a body may nest objects and arrays (API.md §4). Real payloads nest three
# or four deep; without a limit, 200 KiB of "[" nests 100,000 deep and Python's JSON reader and
# writer fail near 1,000.
MAX_DEPTH = 32


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The body is over {MAX_BODY_BYTES // 1024} KiB."
    default_code = "payload_too_large"


class NotAJsonObject(InvalidInput, ValueError):
    """Why the body can't be used, under the field to name: `body` when it is the whole of it.
    The message alone says where (`details.a[0]...: nested more than 32 deep.`). `data` is
    the object when it was read but holds something we can't store (a PagerDuty body still
    names its sender then)."""

    def __init__(self, message: str, *, field: str = "body", data: dict | None = None):
        super().__init__({field: [message]})
        self.message = message
        self.data = data

    def __str__(self) -> str:
        return self.message


def raw_body(request) -> bytes:
    """The body, or 413 when it is over the limit. Content-Length is checked before anything
    is read, so a huge body is never read into memory (and Django's own, larger limit never
    answers first)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return body


class _NotFinite(ValueError):
    pass


def _no_constants(name: str) -> Any:
    raise NotAJsonObject(f"Malformed JSON: {name} is not a JSON value.")


def _finite(text: str) -> float:
    # 1e400 reads as Infinity, which no JSON column takes back.
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(f"{text[:20]}... is too large a number (at most about 1.8e308).")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constants, parse_float=_finite)

# Where a string the database can't store may hide: a \u0000 or \ud800-\udfff escape, or a
# surrogate written out in (invalid) UTF-8 or UTF-16, which Python's JSON decoder lets through.
_UNSTORABLE_ESCAPE = re.compile(r"\\u0000|\\u[dD][89a-fA-F]")


def _maybe_unstorable(text: str) -> bool:
    # Each test is a C loop over the text; most bodies are ASCII without escapes.
    if "\\u" in text and _UNSTORABLE_ESCAPE.search(text):
        return True
    return not text.isascii() and bool(text_problem(text))


def json_body(request) -> dict[str, Any]:
    """`raw_body` read by `json_object`, once a request: PagerDuty's authentication reads the
    body for its routing_key before the view reads it for the event. What the first reading
    raised is raised again."""
    if not hasattr(request, "_edrops_json"):
        try:
            request._edrops_json = json_object(raw_body(request))
        except (NotAJsonObject, PayloadTooLarge) as e:
            request._edrops_json = e
    if isinstance(request._edrops_json, Exception):
        raise request._edrops_json
    return request._edrops_json


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; NotAJsonObject with a message a sender can act on."""
    try:
        # What json.loads does with bytes (UTF-8, -16 or -32), done here so that the checks
        # below read the text, not bytes that hide a UTF-16 "\u0000" from a byte pattern.
        text = body.decode(json.detect_encoding(body), "surrogatepass")
    except UnicodeDecodeError:
        raise NotAJsonObject("Malformed JSON: the body is not UTF-8.") from None
    try:
        data = _DECODER.decode(text)
    except NotAJsonObject:
        raise
    except json.JSONDecodeError as e:
        raise NotAJsonObject(f"Malformed JSON: {e}") from None
    except (RecursionError, ValueError):
        # Too deep to read, an integer of more than 4,300 digits, a number past a double:
        # read it again field by field to say which one.
        raise _the_field_that_fails(text) from None
    if not isinstance(data, dict):
        raise NotAJsonObject(f"Expected a JSON object, got {type(data).__name__}.")
    # Walking every value costs more than reading them, so only when something may be wrong:
    # more brackets than the depth limit, or an escape PostgreSQL refuses.
    if text.count("[") + text.count("{") > MAX_DEPTH or _maybe_unstorable(text):
        _refuse_unstorable(data)
    return data


def _refuse_unstorable(data: dict[str, Any]) -> None:
    for key, value in data.items():
        if why := text_problem(key):
            raise NotAJsonObject(f"A key: {why}", data=data)
        if problem := json_problem(value, max_depth=MAX_DEPTH, path=key):
            where, why = problem
            raise NotAJsonObject(f"{_shortened(where)}: {why}", field=key, data=data)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_UNREADABLE = "Malformed JSON: too deeply nested, or a number too large to read."


def _the_field_that_fails(text: str) -> NotAJsonObject:
    """The top-level object read one value at a time: why the first that fails does."""

    def skip(at: int) -> int:
        return _WHITESPACE.match(text, at).end()

    index = skip(0)
    if text[index : index + 1] != "{":
        return NotAJsonObject(_UNREADABLE)
    index = skip(index + 1)
    while True:
        try:
            key, index = _DECODER.raw_decode(text, index)
        except ValueError:
            break
        index = skip(index)
        if not isinstance(key, str) or text[index : index + 1] != ":":
            break
        try:
            _, index = _DECODER.raw_decode(text, skip(index + 1))
        except RecursionError:
            return NotAJsonObject(f"{key}: nested more than {MAX_DEPTH} deep.", field=key)
        except NotAJsonObject as e:
            return NotAJsonObject(f"{key}: {e}", field=key)
        except _NotFinite as e:
            return NotAJsonObject(f"{key}: {e}", field=key)
        except json.JSONDecodeError as e:
            return NotAJsonObject(f"Malformed JSON: {e}")
        except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
            return NotAJsonObject(f"{key}: integers may have at most 4300 digits.", field=key)
        index = skip(index)
        if text[index : index + 1] != ",":
            break
        index = skip(index + 1)
    return NotAJsonObject(_UNREADABLE)


def _shortened(path: str, limit: int = 80) -> str:
    return path if len(path) <= limit else f"{path[:limit]}..."
