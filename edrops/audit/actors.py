"""Who is changing things: stamped on every audit log entry as it is written.

auditlog's own middleware reads the user when the request arrives, which for the API is before
DRF has authenticated the token (so every API change would be anonymous), and its actor must be
a login, which `manage.py load_roster` doesn't have. Here the actor is worked out when an entry
is written: the request's user by then (DRF sets it on the request it wraps), else whatever
`acting_as` says (a command: "roster file roster.yaml (load_roster, OS user ops)"), else the
process itself ("manage.py shell (OS user ops)"), so no entry is ever without an actor. The
name is kept as text in the entry (`additional_data["actor"]`): the log still says who it was
after the login is renamed or deleted."""

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from auditlog.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.db.models.signals import pre_save
from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    label: str  # as the log shows it
    user: AbstractBaseUser | None = None
    remote_addr: str | None = None


_current: ContextVar[Callable[[], Actor] | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(actor: Actor | Callable[[], Actor]) -> Iterator[None]:
    """Changes made inside are recorded as made by `actor` (or whoever the callable names
    when each entry is written)."""
    token = _current.set(actor if callable(actor) else (lambda: actor))
    try:
        yield
    finally:
        _current.reset(token)


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment nor the password file
        return "unknown"


def command_actor(command: str, *, about: str) -> Actor:
    """A management command and the OS user who ran it, e.g. "roster file roster.yaml
    (load_roster, OS user ops)"."""
    return Actor(label=f"{about} ({command}, OS user {os_user()})")


def process_actor() -> Actor:
    """Outside a request and any `acting_as`: the program itself, e.g. `manage.py shell`."""
    argv = sys.argv or ["python"]
    path = Path(argv[0])
    program = path.parent.name if path.name == "__main__.py" else path.name  # python -m ...
    if program == "manage.py" and len(argv) > 1:
        program = f"manage.py {argv[1]}"
    return Actor(label=f"{program} (OS user {os_user()})")


def request_actor(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    address = request.META.get("REMOTE_ADDR") or None
    if user is not None and user.is_authenticated:
        return Actor(label=user.get_username(), user=user, remote_addr=address)
    return Actor(label=f"anonymous ({request.method} {request.path})", remote_addr=address)


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_as(lambda: request_actor(request)):
            return self.get_response(request)


def stamp_actor(sender, instance: LogEntry, **kwargs) -> None:
    """pre_save of every new LogEntry."""
    if instance.pk is not None:
        return
    who = _current.get()
    actor = who() if who else process_actor()
    if actor.user is not None and instance.actor_id is None:
        instance.actor = actor.user
        instance.actor_email = getattr(actor.user, "email", None) or None
    instance.remote_addr = instance.remote_addr or actor.remote_addr
    instance.additional_data = {**(instance.additional_data or {}), "actor": actor.label}


def connect() -> None:
    """Called once, from EdropsConfig.ready()."""
    pre_save.connect(stamp_actor, sender=LogEntry, dispatch_uid="edrops-audit-actor")
