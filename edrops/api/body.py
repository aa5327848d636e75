"""Reading an integration's body ourselves: the size limit comes before any parsing, and the
exact bytes are at hand to keep when the message is rejected."""

import json
import re
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException

MAX_BODY_BYTES = 512 * 1024


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"The body is over {MAX_BODY_BYTES // 1024} KiB."
    default_code = "payload_too_large"


class NotAJsonObject(ValueError):
    pass


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


def _no_constants(name: str) -> Any:
    raise NotAJsonObject(f"Malformed JSON: {name} is not a JSON value.")


# Where a string the database can't store may hide: a \u0000 or \ud800-\udfff escape, or a
# surrogate written out in (invalid) UTF-8, which Python's JSON decoder lets through.
_MAYBE_UNSTORABLE = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; NotAJsonObject with a message a sender can act on."""
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise NotAJsonObject("Malformed JSON: the body is not UTF-8.") from None
    except json.JSONDecodeError as e:
        raise NotAJsonObject(f"Malformed JSON: {e}") from None
    if not isinstance(data, dict):
        raise NotAJsonObject(f"Expected a JSON object, got {type(data).__name__}.")
    # PostgreSQL stores neither NUL nor unpaired surrogates, anywhere (a key, `details`, ...):
    # refused here, the message is kept as rejected instead of failing to insert.
    if _MAYBE_UNSTORABLE.search(body) and (why := _unstorable(data)):
        raise NotAJsonObject(why)
    return data


def _unstorable(value: Any) -> str:
    """Why a string in `value` can't be stored, or ''."""
    if isinstance(value, str):
        if "\x00" in value:
            return "NUL characters (\\u0000) are not allowed in strings."
        try:
            value.encode()
        except UnicodeEncodeError:
            return "Unpaired surrogates (\\ud800-\\udfff) are not allowed in strings."
        return ""
    if isinstance(value, dict):
        return next(filter(None, (_unstorable(k) or _unstorable(v) for k, v in value.items())), "")
    if isinstance(value, list):
        return next(filter(None, map(_unstorable, value)), "")
    return ""
