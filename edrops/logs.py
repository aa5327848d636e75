"""How every process writes its log (settings.LOGGING): plain lines, or with LOG_FORMAT=json
one JSON object a line for a log shipper; and django-q2's line for every task it queues, takes
and finishes (the worker check-in every 5 s among them) at DEBUG, where it doesn't bury the
lines that say what happened (a page sent, an acknowledgement, an escalation step)."""

import json
import logging
from datetime import UTC, datetime

# What a LogRecord carries anyway; anything else on it came from `extra=` and is kept.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "process", "message"}, the `extra=` fields (`event_id`, ...),
    and "exception" with the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


# django-q2's per-task lines: "Enqueued [edrops] 7", "Process-1 processing worker check-in
# '...'", "Processed '...' (worker check-in)". Failures stay at ERROR.
ROUTINE = ("Enqueued [", " processing ", "Processed '")


class RoutineToDebug(logging.Filter):
    """On the `django-q` logger: its routine INFO lines become DEBUG (and are dropped unless
    LOG_LEVEL is DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and any(m in record.getMessage() for m in ROUTINE):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True
