"""Settings, all from the environment (12-factor). API.md §2 lists the variables.

DEBUG defaults to off: a production host that forgets to set it must fail closed
(no SECRET_KEY, no ALLOWED_HOSTS: no start), not serve tracebacks. `make run` and the
test suite switch it on.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-edrops-dev-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    try:
        SECRET_KEY = env("SECRET_KEY")
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    except ImproperlyConfigured as missing:
        raise ImproperlyConfigured(
            f"{missing}. With DEBUG off, SECRET_KEY and ALLOWED_HOSTS must be set."
        ) from None

PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    # Before edrops, whose admin replaces auditlog's list of entries (edrops/audit/admin.py).
    "auditlog",
    # edrops before django_q: its `qcluster` command (which also reports the worker alive)
    # takes precedence over django_q's own.
    "edrops",
    "notifications",
    "rosters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_htmx",
    "django_q",
]

MIDDLEWARE = [
    # First: who the client is (TRUSTED_PROXIES), before anything reads an address or the scheme.
    "edrops.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who is changing things, for the audit log (after authentication: it reads the user).
    "edrops.audit.actors.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a login axes refused into the login page saying why (edrops.login.locked_out).
    "axes.middleware.AxesMiddleware",
    # Innermost, so it sees the view's exception before any other middleware turns it into a 500.
    "edrops.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "edrops.urls"
WSGI_APPLICATION = "edrops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and clock share one file. WAL lets readers run beside the writer; IMMEDIATE
    # takes the write lock at BEGIN, so two writers queue on busy_timeout instead of one of
    # them failing half-way with "database is locked".
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        **_db.get("OPTIONS", {}),
    }
else:
    # Without persistent connections every task reconnects and the queue is ~10x slower;
    # health checks drop a connection the server closed instead of failing the next query.
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    _db["CONN_HEALTH_CHECKS"] = True
    # Parameters travel apart from the SQL, and psycopg prepares a statement a connection runs
    # more than 5 times: the hot ones (ingest's write, the rate limiter, the clock's claims)
    # skip parsing and planning. Behind PgBouncer in transaction mode older than 1.21 (no
    # `max_prepared_statements`), set DB_PREPARED_STATEMENTS=off.
    _db["OPTIONS"] = {
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=3),
        "server_side_binding": True,
        # Django turns psycopg's preparing off unless told (5 is psycopg's own threshold).
        "prepare_threshold": 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None,
        **_db.get("OPTIONS", {}),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ---------------------------------------------------------------------------------
# `board`: the dashboard's drawn rows (edrops/dashboard/fragments.py), in each process's own
# memory. A row is kept by everything it shows, so nothing kept goes stale: a row not drawn
# for a while only takes room until it falls out (TIMEOUT, MAX_ENTRIES, least recently used
# first). "default" is Django's own default, named since CACHES is set.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "board": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "board",
        # 200 rows, each age ticking over once a minute: ~2,000 kept in 10 minutes for each
        # zone and set of rights viewing; 5,000 of ~1.5 KB at most, ~8 MB a process.
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# --- Task queue (django-q2) -----------------------------------------------------------------
# The ORM broker keeps tasks in the same database as the events, so an event and the first
# escalation step it enqueues commit together or not at all.
Q_BROKER = env("Q_BROKER", default="orm")

# --- Recovery: how soon work a dead process held is picked up again -------------------------
# One chain, each link longer than the one before, so that nothing slow is mistaken for lost
# (a start-up check, edrops.checks, refuses settings that break it):
#   PROVIDER_TIMEOUT     a call to Slack, Twilio or the mail server gives up         10 s
#   STUCK_SENDING_AFTER  a notification left `sending` (its worker died mid-send)
#                        is sent again: delivery is at least once                    15 s
#   Q_TIMEOUT            a task still running is killed                              30 s
#   Q_RETRY              a task a dead worker had taken is handed out again          45 s
#                        at the latest; a cluster renews the lease on the tasks it holds
#                        (TASK_LEASE, 5 s), so when a whole cluster dies its tasks
#                        come back within TASK_LEASE (notifications.queue.OrmBroker)
# Q_RETRY is the last net, not the first: an escalation step or a page whose task was taken
# and never finished is queued again by the clock once REQUEUE_AFTER has passed since every
# task queued before it was taken (so a long queue is not doubled, only a lost task).
PROVIDER_TIMEOUT = env.float("PROVIDER_TIMEOUT", default=10.0)
STUCK_SENDING_AFTER = timedelta(seconds=env.float("STUCK_SENDING_AFTER", default=15.0))
REQUEUE_AFTER = timedelta(seconds=env.float("REQUEUE_AFTER", default=5.0))
TASK_LEASE = timedelta(seconds=env.float("TASK_LEASE", default=5.0))
# While the database can't be reached the API answers 503 with this Retry-After, and a
# connection attempt gives up after DB_CONNECT_TIMEOUT (PostgreSQL) instead of hanging.
DB_UNAVAILABLE_RETRY_AFTER = 5
EMAIL_TIMEOUT = PROVIDER_TIMEOUT

Q_CLUSTER = {
    "name": "edrops",
    "workers": env.int("Q_WORKERS", default=4),
    # Tasks a cluster takes ahead of its workers (upstream: workers squared, 16). What a
    # cluster holds waits out its lease should it die, and queues behind what it took before
    # a page came in the fast lane: one each is enough to keep the workers busy.
    "queue_limit": env.int("Q_WORKERS", default=4),
    "timeout": env.int("Q_TIMEOUT", default=30),
    "retry": env.int("Q_RETRY", default=45),
    "max_attempts": 5,
    "ack_failures": True,
    "catch_up": False,
    # Successful tasks are not saved (failures are, for the admin): every page and step has
    # its own timeline, and upstream's pruning to a save_limit reads every saved success
    # under a lock for each task it saves, which made the monitor the queue's bottleneck
    # (results backed up; a worker recycled after 500 tasks then took 30 s to exit).
    "save_limit": -1,
    "label": "Task queue",
}
if Q_BROKER == "orm":
    Q_CLUSTER |= {
        "orm": "default",
        "broker_class": "notifications.queue.OrmBroker",  # two lanes (see there)
        "poll": env.float("Q_POLL", default=0.1),
    }
else:
    # Redis was offered once and never installed; it is gone for good (bench/RESULTS.md,
    # "The broker"): the guarantee that an accepted event is paged rests on its first step
    # committing with it, and the leases, lanes and wake-ups are the ORM broker's.
    raise ImproperlyConfigured(
        f"Q_BROKER must be 'orm', not {Q_BROKER!r}: the task queue lives in the database, "
        "so an event and its first escalation step commit together (bench/RESULTS.md)"
    )
# PostgreSQL: an idle worker cluster LISTENs for queued tasks (notifications/wakeups.py). Off
# behind PgBouncer in transaction mode, where a LISTEN has no session to live on (the poll
# finds every task anyway).
Q_WAKEUPS = env.bool("Q_WAKEUPS", default=True)

# How long a worker or the clock may stay silent before /readyz reports it missing.
LIVENESS_TIMEOUT = env.float("LIVENESS_TIMEOUT", default=30.0)
# A dead man's switch for edrops itself: the clock GETs this URL every
# EDROPS_HEARTBEAT_INTERVAL seconds while a worker is alive (empty: off). See README.
EDROPS_HEARTBEAT_URL = env("EDROPS_HEARTBEAT_URL", default="")
EDROPS_HEARTBEAT_INTERVAL = env.float("EDROPS_HEARTBEAT_INTERVAL", default=60.0)
# Who reads what (edrops/permissions.py): on, everyone logged in reads every team's events
# (one desk); off, a login reads only the events it may act on. Acting is the same either way.
EDROPS_READ_ALL_TEAMS = env.bool("EDROPS_READ_ALL_TEAMS", default=True)
# Seconds a rejected message is kept (the clock prunes older ones; 0 keeps them forever).
REJECTED_RETENTION = env.float("REJECTED_RETENTION", default=30 * 24 * 3600.0)

# --- Auth, i18n, static -----------------------------------------------------------------------
# Proxies whose X-Forwarded-For (client address) and X-Forwarded-Proto are believed: addresses
# or networks. gunicorn's own default: a proxy on the same host. See edrops/client_address.py.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
# Who may read /metrics, /api/schema/ and /api/docs/ (edrops/ops_access.py).
EDROPS_OPS_ENDPOINTS = env("EDROPS_OPS_ENDPOINTS", default="staff-or-loopback")
if EDROPS_OPS_ENDPOINTS not in ("staff-or-loopback", "staff", "public"):
    raise ImproperlyConfigured(
        "EDROPS_OPS_ENDPOINTS must be staff-or-loopback, staff or public, "
        f"not {EDROPS_OPS_ENDPOINTS!r}"
    )

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes), per client address and per username, each on its own: 10
# failures, counted while each comes within 10 minutes of the one before, lock for 10 minutes
# after the last. The API's token failures use the same numbers (services/api_lockout.py).
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "edrops.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "edrops.login.locked_out"
# A success does not wipe the count: it would also wipe what an attacker's address did to
# other usernames (axes resets by address and by username at once).
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Responders without staff rights log in here too (the dashboard); admins use the same login.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# With DEBUG on, whitenoise serves straight from the finders; collectstatic is for production.
STATIC_ROOT = env("STATIC_ROOT", default=None) or (None if DEBUG else BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Audit log (django-auditlog; what is audited: edrops/audit/registry.py) ----------------
# Values as JSON (a None stays null, a list of step targets stays a list), and a foreign key as
# what it names ("grid-ops"), not its id: the log is read by people, possibly after the row
# it named is gone.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="edrops <edrops@localhost>")

# --- Providers (empty credentials: the channel writes to the outbox) -------------------------
SLACK_BOT_TOKEN = env("SLACK_BOT_TOKEN", default="")
SLACK_SIGNING_SECRET = env("SLACK_SIGNING_SECRET", default="")
SLACK_API_URL = env("SLACK_API_URL", default="https://slack.com/api/")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_API_URL = env("TWILIO_API_URL", default="https://api.twilio.com")
# PagerDuty as an escalation target (`pagerduty:ROUTING_KEY`): where its Events API v2 is (an
# http:// URL only on loopback: the routing key travels in the body), and the secret of the v3
# webhook subscription that brings its acknowledge and resolve back to /hooks/pagerduty.
PAGERDUTY_EVENTS_URL = env("PAGERDUTY_EVENTS_URL", default="https://events.pagerduty.com")
PAGERDUTY_WEBHOOK_SECRET = env("PAGERDUTY_WEBHOOK_SECRET", default="")
# Signed outbound webhooks (`webhook:NAME`), a JSON map: {"derms": {"url": "https://...",
# "secret": "..."}}. Never logged, never shown: the admin and the timeline name them only.
WEBHOOKS = env.json("WEBHOOKS", default={})
# Queued with an InboundReply id whenever an SMS, key press or Slack click comes in
# (notifications hands replies upward without importing the engine).
NOTIFICATIONS_REPLY_TASK = env("NOTIFICATIONS_REPLY_TASK", default="edrops.tasks.reply_received")
# Called with an InboundReply id when a key is pressed on a call: whether "1" acknowledges
# anything, so the call can say so at once (the worker acts through the same check).
NOTIFICATIONS_MAY_ANSWER = env(
    "NOTIFICATIONS_MAY_ANSWER", default="edrops.services.replies.may_answer"
)
# Queued with (person id, reference, [(channel, why), ...]) when every page to a person about
# a reference has failed: the engine tells the team.
NOTIFICATIONS_UNDELIVERABLE_TASK = env(
    "NOTIFICATIONS_UNDELIVERABLE_TASK", default="edrops.tasks.page_undeliverable"
)

# Queued with a forward's Notification id when PagerDuty or a webhook refused it for good.
NOTIFICATIONS_FORWARD_FAILED_TASK = env(
    "NOTIFICATIONS_FORWARD_FAILED_TASK", default="edrops.tasks.forward_failed"
)

# --- API ------------------------------------------------------------------------------------
# People's API tokens (django-rest-knox): SHA-512 digests in the database, never the token;
# each expires API_TOKEN_TTL seconds after it is made (0: never). See services/api_tokens.py.
API_TOKEN_TTL = env.float("API_TOKEN_TTL", default=90 * 24 * 3600.0)
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_TTL) if API_TOKEN_TTL else None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "edrops.api.authentication.PersonTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "edrops API",
    "DESCRIPTION": "Grid dispatches in; pages out until someone acknowledges.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["edrops.ops_access.OpsEndpoint"],
    # Swagger UI and Redoc from our own static files: no CDN (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise ask validator.swagger.io about our schema.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "edrops.models.events.Event.Status",
        "SenderStatusEnum": "edrops.models.events.SenderStatus",
        "AlertStatusEnum": ["firing", "resolved"],
        "SeverityEnum": "edrops.models.sources.Severity",
    },
}

# --- Production hardening -------------------------------------------------------------------
# TLS usually ends at the proxy in front (docker-compose.yml's Caddy). `check --deploy` is clean
# with SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, _INCLUDE_SUBDOMAINS and _PRELOAD set (API.md §2).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Health checks from inside the container or host speak plain HTTP to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if not DEBUG:
    # X-Forwarded-Proto: https says the client spoke TLS to the proxy; ClientAddressMiddleware
    # drops the header from anyone not in TRUSTED_PROXIES.
    if env.bool("SECURE_PROXY_SSL_HEADER", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Logs: stderr, plain lines or (LOG_FORMAT=json) one JSON object a line -------------------
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
        "json": {"()": "edrops.logs.JsonFormatter"},
    },
    "filters": {"routine_to_debug": {"()": "edrops.logs.RoutineToDebug"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # It logs every request's headers at INFO.
        "twilio.http_client": {"level": "WARNING"},
        # Every successful login and cleanup at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
        # A line for every task queued, taken and done, the worker check-in every 5 s among them.
        "django-q": {"filters": ["routine_to_debug"]},
    },
}
