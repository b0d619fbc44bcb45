"""Settings shared by every environment.

Everything that differs between machines comes from the environment; with nothing set the app
runs on SQLite under var/ with Celery tasks executed eagerly in-process.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("AKIRUNO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-only-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "akiruno",
    "reports",
    "meetings",
    "finance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The published report's pages and files, from a pointer on disk (no database query).
    "reports.public_files.PublicFileMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "akiruno.login_audit.CurrentRequestMiddleware",
    # Idle and too-old sessions end before anything else looks at the signed-in user.
    "akiruno.sessions.SessionTimeoutMiddleware",
    # request.user.is_verified(): the session's second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Roles that must sign in with a second factor reach only enrolment and sign-out until then.
    "akiruno.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "akiruno.middleware.ContentSecurityPolicyMiddleware",
    "akiruno.middleware.InputEdgeMiddleware",
]

ROOT_URLCONF = "akiruno.urls"
WSGI_APPLICATION = "akiruno.wsgi.application"

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
                "akiruno.context_processors.site",
            ],
            "builtins": ["akiruno.templatetags.japanese"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'akiruno.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and an eager build share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "reports.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "public-home"
# Staff passwords: at least 12 characters (the demo password and the tests' factories meet it).
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve from the app folders in development and tests
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: a spreadsheet larger than this is refused with a message, not read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_SPREADSHEET_UPLOAD_BYTES = int(os.environ.get("MAX_SPREADSHEET_UPLOAD_BYTES", 10 * 1024 * 1024))

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
        if os.environ.get("CACHE_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "akiruno_cache",
        }
    )
}

# Celery: eager in-process unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Eager tasks on a thread of their own instead of inside the request (`make demo`; see
# reports/services/broker.py). Off by default: tests and commands want them finished.
TASKS_IN_BACKGROUND = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Publishing to a broker that is down fails within seconds (the request has committed already;
# reports.services.broker logs it and the sweeper queues the work again).
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A Redis result backend that does not answer fails its connection within seconds too (the web
# side queues with ignore_result and never waits on it: reports.services.broker).
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# The sweeper (reports.services.sweeper): how often it runs, and how old pending work must be.
SWEEP_SECONDS = int(os.environ.get("SWEEP_SECONDS", "60"))
QUEUE_SWEEP_GRACE_SECONDS = int(os.environ.get("QUEUE_SWEEP_GRACE_SECONDS", "120"))
CELERY_BEAT_SCHEDULE = {
    "deadline-reminders": {
        "task": "reports.tasks.send_deadline_reminders",
        "schedule": 60 * 60 * 24,
    },
    "requeue-pending": {
        "task": "reports.tasks.requeue_pending",
        "schedule": SWEEP_SECONDS,
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jimuhokoku@city.akiruno.example")
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "7"))

# The planning division (企画政策課) reviews every section and approves the report.
PLANNING_DEPARTMENT_CODE = os.environ.get("PLANNING_DEPARTMENT_CODE", "kikaku-seisaku")
CITY_NAME = os.environ.get("CITY_NAME", "あきる野市")

# Failed logins: this many failures per username or address within the window lock it out.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
# An office shares one address behind NAT: the per-address limit is higher than the per-user one.
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
# How long a locked account or address waits (the refusal states the minutes left).
LOGIN_LOCKOUT_SECONDS = int(
    os.environ.get("LOGIN_LOCKOUT_SECONDS", str(LOGIN_FAILURE_WINDOW_SECONDS))
)
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated
# in the environment). Empty: the client address is REMOTE_ADDR and the header is ignored.
# See akiruno.client_address and docs/operations.md.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# Two-factor sign-in (issue 14): TOTP (RFC 6238: 30-second steps, 6 digits, SHA-1) with
# django-otp, plus one-time recovery codes. Required for reviewers, the planning division's head
# and administrators (reports.permissions.requires_second_factor), optional for everyone else.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "あきる野市 事務報告書")
# One step either side of now is accepted (clock drift); a used step is never accepted again.
OTP_TOTP_TOLERANCE = 1
# Wrong codes count toward the login lockout (akiruno.auth), not django-otp's own per-device
# back-off: one limit, one Japanese message with the time to wait.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
RECOVERY_CODE_COUNT = 10
# An unfinished sign-in (password accepted, code not yet given) expires after this long.
OTP_PENDING_LOGIN_SECONDS = int(os.environ.get("OTP_PENDING_LOGIN_SECONDS", "300"))
# The Django admin's path (no leading slash, a trailing one): administrators with a verified
# second factor only.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A signed-in session ends after this many seconds without a request (akiruno.sessions) …
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("SESSION_IDLE_TIMEOUT_SECONDS", "1800"))
# … and at the latest this long after sign-in, however active; the cookie ends with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 60 * 60)))
SESSION_ABSOLUTE_LIFETIME_SECONDS = SESSION_COOKIE_AGE
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Serve the current edition's files from MEDIA_ROOT/public/<year>.json without the database.
PUBLIC_FAST_PATH = env_bool("PUBLIC_FAST_PATH", True)
# One policy for every page: no inline scripts or styles, nothing from another origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "akiruno.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["akiruno.api.permissions.PolicyPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "akiruno.api.paging.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "akiruno.api.paging.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON only: the OpenAPI documentation pages replace the browsable API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["akiruno.api.parsing.JSONParser"],
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_SCHEMA_CLASS": "akiruno.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "akiruno.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "public": "120/min", "anon": "120/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "あきる野市 事務報告書 API",
    "DESCRIPTION": "事務報告書の作成・審査・公開のための REST API (v1)。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The documentation pages load Swagger UI and Redoc from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "SectionStateEnum": "reports.models.Section.State",
        "ReportStateEnum": "reports.models.AnnualReport.State",
        "MeetingBodyKindEnum": "meetings.models.MeetingBody.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "akiruno.api_schema.postprocess_schema",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# The section editor posts a table's cells as one form (a 2,000-row table has many fields).
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FIELDS", "50000"))
