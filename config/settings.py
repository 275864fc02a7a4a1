"""Settings for the VBSP lending system.

One file, driven by environment variables, with defaults that work on a fresh machine (SQLite in
the project folder, Celery tasks in-process when no broker is configured) and are safe where they
cannot be both: DEBUG is off unless asked for, and without DEBUG the process needs a real secret.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Secrets and debugging ------------------------------------------------------------------
# DEBUG shows tracebacks and settings to whoever triggers an error: a developer's machine only.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Keys anyone can read (this file, the repository's history) sign nothing in production.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
PUBLISHED_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY}
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY in PUBLISHED_SECRET_KEYS):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a secret of 50+ random characters when DEBUG is off, "
        'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))" '
        "(or set DJANGO_DEBUG=true on a development machine)."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# --- HTTPS (behind a TLS proxy such as nginx: deploy/nginx.conf.example) -------------------------
# DJANGO_HTTPS=true: HTTPS only. The proxy terminates TLS and sets X-Forwarded-Proto itself.
HTTPS = env_bool("DJANGO_HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A year, subdomains included, preloadable: browsers then refuse plain HTTP for that long.
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Proxies in front: only behind them is X-Forwarded-For read for the client's address (login
# lockouts, API throttles); else anybody could pick the address their failures count against.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1" if HTTPS else "0"))

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # django.contrib.admin with the project's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Development too serves static files the way production does (whitenoise, not runserver).
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "simple_history",
    "programmes",
    "borrowers",
    "loans",
    "loans.reconciliation",
    "loans.reports",
    "loans.origination",
    "loans.savings",
    "loans.sessions",
    "loans.approvals",
    "loans.takeon",
    "tasks",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.RejectNulMiddleware",
    "config.middleware.ApiAuthFailureThrottleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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
# Default: an SQLite file in the project. IMMEDIATE transactions make concurrent writers queue on
# the database lock instead of failing with "database is locked" when a read turns into a write.
# On PostgreSQL the app (DATABASE_URL) owns nothing and may only INSERT and SELECT the journals;
# the owner (DATABASE_OWNER_URL, when set) runs these commands: migrations, grants, bulk loaders.
OWNER_COMMANDS = {"migrate", "grant_app_role", "seed_demo", "generate_portfolio", "bench"}
# Append-only journals: the app's role may INSERT and SELECT them only (grant_app_role).
APPEND_ONLY_JOURNALS = [
    "loans.LoanTransaction",
    "savings.SavingsTransaction",
]


def _running_command() -> str | None:
    """The management command this process runs (`manage.py migrate` -> "migrate")."""
    if len(sys.argv) > 1 and Path(sys.argv[0]).name in {"manage.py", "django-admin"}:
        return sys.argv[1]
    return None


_database_url = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if os.environ.get("DATABASE_OWNER_URL") and _running_command() in OWNER_COMMANDS:
    _database_url = os.environ["DATABASE_OWNER_URL"]
DATABASES = {
    "default": dj_database_url.parse(
        _database_url, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
    )
}
# Reports on a PostgreSQL streaming replica (core/db.py); in tests it MIRRORs the default.
if os.environ.get("REPORTS_DATABASE_URL"):
    DATABASES["reports"] = dj_database_url.parse(os.environ["REPORTS_DATABASE_URL"])
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db.ReportsRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The covering indexes' INCLUDE columns are for PostgreSQL; SQLite indexes the keys only.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# --- Logins: django-axes locks an account, and separately an address, after repeated failures --
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# Each on its own: failures for one username lock it, failures from one address lock that.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The log names the account and the address (never the password): who is guessed, from where.
AXES_SENSITIVE_PARAMETERS: list[str] = []
AXES_VERBOSE = False  # no start-up banner on every command; failures and lockouts are logged
AXES_LOCKOUT_CALLABLE = "config.error_views.locked_out"
# The client's address as the API's throttles read it (behind TRUSTED_PROXY_COUNT proxies).
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_address"

# --- Internationalisation: Vietnamese first, English available ------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Officers enter and read dates as dd/mm/yyyy, whatever the interface language.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files: whitenoise serves what `collectstatic` gathered, hashed and compressed -----
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# With DEBUG (and in tests) straight from the apps' folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Request limits --------------------------------------------------------------------------
# A body above this is refused (400): by Django for forms, by the API's JSON parser for JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_BODY_BYTES", str(2_621_440)))

# --- Content-Security-Policy (django-csp) ----------------------------------------------------
# Scripts only from this site's own files: no inline script or handler, no CDN (Swagger UI from
# drf-spectacular-sidecar). Inline styles stay (admin, SVG charts): a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Cache (the API's throttle counters) -----------------------------------------------------
# Per process by default; several web processes share one Redis so the rates hold site-wide.
if os.environ.get("DJANGO_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJANGO_CACHE_URL"],
        }
    }

LOGIN_URL = "admin:login"

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API speaks JSON only (no lossy form encodings of null), with limits on nesting,
    # duplicate keys and NUL (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.StrictJSONParser"],
    # REST framework's JSON, written by orjson (core/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Token guessing and scraping: per address without a login, per user with one.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["core.api.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VBSP lending API",
    "DESCRIPTION": "Loans, postings, positions, jobs and reports of a VBSP branch.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the Swagger UI are behind the API's login; the UI's files are our own.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components, so read-only fields never appear in requests.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.document_errors",
        "core.schema.no_nul_in_query_strings",
    ],
    # Several models have a `status` or `kind`: name each choice set after its meaning.
    "ENUM_NAME_OVERRIDES": {
        "LoanStatusEnum": "loans.models.LoanStatus",
        "TransactionKindEnum": "loans.models.TransactionKind",
        "ApplicationStatusEnum": "loans.origination.models.ApplicationStatus",
        "PositionStatusEnum": "loans.api.serializers.POSITION_STATUSES",
        "JobKindEnum": "tasks.models.JobRun.Kind",
        "JobStatusEnum": "tasks.models.JobRun.Status",
        "JobScopeEnum": "tasks.models.JobRun.Scope",
        "JobPartitionStatusEnum": "tasks.models.JobPartition.Status",
        "AssociationKindEnum": "borrowers.models.Association.Kind",
        "AssociationLevelEnum": "borrowers.models.Association.Level",
    },
}

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: tasks run eagerly in-process, so the one-command start needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "vbsp")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Lost workers (issue 12): tasks acknowledge late, so a dead worker's partition is handed to
# another once its visibility timeout passes; the timeout must exceed the task time limit. The
# limit fits one office (~1 s per 15,000 loans: bench 1M loans, ~55 offices, 48 s on one worker),
# so 10 minutes is a hundredfold margin; a lost partition reruns within 15 minutes plus a sweep.
JOB_PARTITION_TIME_LIMIT = int(
    os.environ.get("JOB_PARTITION_TIME_LIMIT", os.environ.get("CELERY_TASK_TIME_LIMIT", "600"))
)
CELERY_TASK_TIME_LIMIT = JOB_PARTITION_TIME_LIMIT
# The soft limit raises inside the task first, so a partition rolls back and says why.
CELERY_TASK_SOFT_TIME_LIMIT = JOB_PARTITION_TIME_LIMIT - max(1, JOB_PARTITION_TIME_LIMIT // 10)
CELERY_VISIBILITY_TIMEOUT = int(
    os.environ.get("CELERY_VISIBILITY_TIMEOUT", str(JOB_PARTITION_TIME_LIMIT + 300))
)
if CELERY_VISIBILITY_TIMEOUT <= JOB_PARTITION_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed JOB_PARTITION_TIME_LIMIT, or Redis hands a "
        "partition that is still running to a second worker."
    )
# How often a worker looks for tasks whose visibility timeout has passed (kombu's default,
# 10 s × every 10th look, would add up to 100 s).
CELERY_UNACKED_RESTORE_INTERVAL = int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "60"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": CELERY_UNACKED_RESTORE_INTERVAL,
    "unacked_restore_throttle": 1,
}
# A run with no partition started or finished for this long is stalled (config/celery.py): it
# will not finish by itself; `run_arrears --resume RUN`, the admin or the API resume it.
JOB_STALLED_AFTER = int(
    os.environ.get(
        "JOB_STALLED_AFTER", str(CELERY_VISIBILITY_TIMEOUT + 2 * CELERY_UNACKED_RESTORE_INTERVAL)
    )
)
# Without a broker the admin's job pages run a job in a thread after answering (progress shown
# at once); off, the request that starts a run runs it (the tests, tests/conftest.py).
JOB_PAGES_IN_BACKGROUND = env_bool("JOB_PAGES_IN_BACKGROUND", True)
# Seconds a partition waits before it commits (tests/tasks/test_worker_recovery.py), else 0.
JOB_PARTITION_TEST_DELAY = float(os.environ.get("JOB_PARTITION_TEST_DELAY", "0"))

# --- Domain settings (DOMAIN.md decisions, configurable) -------------------------------------
# Upper bounds (days past due) of the ageing buckets: current, 1-30, 31-90, 91-180, 181-360, >360.
AGEING_BUCKET_BOUNDS = [30, 90, 180, 360]
# Overdue interest rate as a fraction of the contract rate (130%).
OVERDUE_RATE_PERCENT = 130
# Loans per chunk of the set-based position computation (memory stays flat whatever the total).
POSITION_CHUNK_SIZE = int(os.environ.get("POSITION_CHUNK_SIZE", "20000"))
# Offices a job run in one process (no broker) works on at once, a thread and connection each
# (PostgreSQL only; SQLite has one writer). Each holds up to one chunk (~150 MB at 20,000 loans).
JOB_THREADS = int(os.environ.get("JOB_THREADS", str(min(4, os.cpu_count() or 1))))
# The planner's cost of a random page read in the jobs' transactions (PostgreSQL's default, 4,
# is a spinning disk's); empty to keep the server's setting.
_random_page_cost = os.environ.get("JOB_RANDOM_PAGE_COST", "1.1")
JOB_RANDOM_PAGE_COST = float(_random_page_cost) if _random_page_cost else None
# Daily snapshots older than this are pruned; month-end snapshots are kept forever.
SNAPSHOT_RETENTION_DAYS = int(os.environ.get("SNAPSHOT_RETENTION_DAYS", "90"))
# Four eyes (loans/approvals/roles.py): the loan operations, members' savings reversals and
# rule changes a second person must approve, and the disbursement (đồng) above which a
# disbursement is one of them.
FOUR_EYES_OPERATIONS = env_list(
    "FOUR_EYES_OPERATIONS",
    "reversals,write-offs,freezes,extensions,schedule-adjustments,disbursements,"
    "savings-reversals,fee-rules,interest-rates,savings-rates",
)
FOUR_EYES_DISBURSEMENT_THRESHOLD = int(
    os.environ.get("FOUR_EYES_DISBURSEMENT_THRESHOLD", "100000000")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
