"""Settings, read from the environment (django-environ).

With nothing set the app runs on an embedded SQLite file and runs background
tasks in-process. With DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...
it runs on PostgreSQL with real Celery workers: the production path, and the one
the tests use.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Values already in the environment win over the file.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG off there is no default: a missing key stops the start, loudly.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-key" if DEBUG else environ.Env.NOTSET)
# Served behind TLS: secure cookies, HSTS, redirect to https. Off for plain-http test servers.
HTTPS = env.bool("HTTPS", default=not DEBUG)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    # TOTP two-factor login (accounts/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "pricing",
    "planner",
    "tracking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tenant queries run in the request user's organizations (fail closed without a scope).
    "accounts.tenant_scope.TenantScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.CurrentOrganizationMiddleware",
    # An account whose email address is not verified yet can log in but not act.
    "accounts.middleware.EmailVerificationMiddleware",
    # A view that needs a service that is down (the Celery broker) answers a clear 503.
    "accounts.availability.ServiceUnavailableMiddleware",
    # Last, so that lockouts see the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.current_organization",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# The tables' owner, for `manage.py migrate` and `db_runtime_role`; DATABASE_URL is then a
# role that owns nothing (config/database_roles.py). Unset: everything uses DATABASE_URL.
MIGRATION_DATABASE_URL = env.str("MIGRATION_DATABASE_URL", default="")
# Kept for 10 minutes and health-checked before reuse: a new connection (a PostgreSQL
# backend, its catalog caches cold) showed in the pages' p99 when recycled every minute.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, reusing one client per server (config/redis_cache.py).
            "BACKEND": "config.redis_cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis must cost a request milliseconds, not minutes: throttles
            # then fail open and idempotency answers 503 (accounts/availability.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        # Rendered comparison fragments: recomputable, so an outage reads as a miss.
        "fragments": {
            "BACKEND": "config.redis_cache.BestEffortRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
        },
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "planner:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# How many reverse proxies in front of gunicorn append to X-Forwarded-For: the client is
# that many entries from the right (accounts/client_ip.py); 0 means no proxy. Production
# must say (a deploy check): behind a proxy, 0 would make every client one address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=None)

# Failed logins (accounts/lockout.py): within an hour, AXES_FAILURE_LIMIT failures lock a
# username from one address, AXES_ADDRESS_FAILURE_LIMIT failures lock an address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = "Breakeven"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from npm (package.json), never from a CDN.
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # axe-core: the accessibility checks the browser tests inject (tests/browser/).
    ("vendor/axe-core", BASE_DIR / "node_modules" / "axe-core"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Celery: no broker configured means tasks run in-process (embedded mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Pages cache what they render from an organization's rows under its data generation
# (accounts/generations.py) for at most this long. Needs a cache every process shares
# (Redis) unless tasks run in the web process; 0 turns it off.
TENANT_PAGE_CACHE_SECONDS = env.int(
    "TENANT_PAGE_CACHE_SECONDS", default=300 if (REDIS_URL or CELERY_TASK_ALWAYS_EAGER) else 0
)
# Sweep downloads an organization may run at once (planner/sweep_downloads.py).
SWEEP_DOWNLOADS_PER_ORGANIZATION = env.int("SWEEP_DOWNLOADS_PER_ORGANIZATION", default=2)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# Webhook and e-mail deliveries wait on other people's servers: they have their own queue,
# consumed by their own workers (Procfile ``notifications``), so a slow endpoint cannot hold
# a slot that sweeps or housekeeping need. Every other task goes to the default queue.
CELERY_TASK_ROUTES = {
    "tracking.deliver_webhook": {"queue": "notifications"},
    "accounts.tasks.password_reset_send": {"queue": "notifications"},
    # Sweeps have workers of their own: a big grid never holds a slot other work needs.
    "planner.sweep_chunk_compute": {"queue": "sweeps"},
    "planner.sweep_finalize": {"queue": "sweeps"},
}
# Per organization: sweeps queued or running at once, grid points started a day
# (planner/sweep_admission.py).
SWEEPS_ACTIVE_PER_ORGANIZATION = env.int("SWEEPS_ACTIVE_PER_ORGANIZATION", default=2)
SWEEP_POINTS_PER_DAY_PER_ORGANIZATION = env.int(
    "SWEEP_POINTS_PER_DAY_PER_ORGANIZATION", default=10_000_000
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 600,
    # Fail fast when Redis is unreachable instead of hanging a web request.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}

# The REST API (/api/v1/, see accounts/api/ and docs/api.md).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Knox first: an unauthenticated request gets 401 with WWW-Authenticate: Token.
        # knox tokens, the token -> user lookup cached for a minute (accounts/api/authentication.py).
        "accounts.api.authentication.CachedTokenAuthentication",
        # Browser sessions; DRF enforces CSRF on unsafe methods for these.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["accounts.api.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "accounts.api.schema.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter, building each view's automatic FilterSet once (accounts/api/filters.py).
        "accounts.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "accounts.api.errors.api_exception_handler",
    # Counters in the Django cache (Redis): per token, per session user, per anonymous IP.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="600/min"),
        "quote": env.str("API_RATE_QUOTE", default="1200/min"),
        "anon": env.str("API_RATE_ANON", default="60/min"),
    },
    "STRICT_JSON": True,
    # Anonymous rate limits key on the client address by the same rule as logins.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or 0,
}
# API tokens: knox, stored hashed, 90 days unless chosen otherwise, never auto-extended.
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 (a model label, not a secret)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=90),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    # A recognisable prefix lets secret scanners spot leaked tokens.
    "TOKEN_PREFIX": "bkv_",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Breakeven API",
    "DESCRIPTION": (
        "What it really costs to run large language models. Authenticate with "
        "`Authorization: Token <token>` (create tokens at /accounts/tokens/) or a browser "
        "session. Organization resources live under `/api/v1/orgs/{org_slug}/`. Errors always "
        'look like `{"error": {"code": "...", "message": "...", "fields": {...}}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.models.Role",
        # Several models have a `status`: each choice set gets its own name.
        "SweepStatusEnum": "planner.models.sweeps.SweepStatus",
        "PrecisionEnum": "pricing.models.Precision",
        "PlanReevaluationStatusEnum": "planner.models.reevaluations.PlanRunStatus",
    },
}

# A catalog version older than this is flagged stale.
CATALOG_STALE_AFTER_DAYS = env.int("CATALOG_STALE_AFTER_DAYS", default=90)

# Scheduled price refresh (pricing/price_imports/refresh.py): per importer, a file path or
# an http(s) URL read every PRICE_REFRESH_HOURS by beat; a changed content becomes a draft
# version for a person to publish. Empty: that importer is not refreshed.
PRICE_REFRESH_SOURCES = {
    "litellm": env.str("PRICE_REFRESH_LITELLM", default=""),
    "genai-prices": env.str("PRICE_REFRESH_GENAI_PRICES", default=""),
    "skypilot": env.str("PRICE_REFRESH_SKYPILOT", default=""),
}
PRICE_REFRESH_SKYPILOT_PROVIDER = env.str("PRICE_REFRESH_SKYPILOT_PROVIDER", default="")
PRICE_REFRESH_SKYPILOT_GROUPING = env.str("PRICE_REFRESH_SKYPILOT_GROUPING", default="region")
PRICE_REFRESH_HOURS = env.int("PRICE_REFRESH_HOURS", default=24)
if PRICE_REFRESH_SKYPILOT_GROUPING not in ("region", "region-group"):
    raise ValueError("PRICE_REFRESH_SKYPILOT_GROUPING must be 'region' or 'region-group'.")
if PRICE_REFRESH_HOURS < 1:
    raise ValueError("PRICE_REFRESH_HOURS must be a whole number of hours, at least 1.")
CELERY_IMPORTS = ["pricing.price_imports.tasks"]
CELERY_BEAT_SCHEDULE = {
    "refresh-prices": {"task": "pricing.refresh_prices", "schedule": PRICE_REFRESH_HOURS * 3600},
}

# django-csp 4: only our own assets; Chart data travels in json_script blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe the health endpoints over plain http inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Absolute links in emails (invitations, password reset, address verification). In
# production the public https address: a deploy check refuses a local or plain-http one.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Mail: EMAIL_URL (django-environ, e.g. smtp+tls://user:password@smtp.example.com:587)
# sets the backend and the server. Without it mail is printed to the console, which is
# for development only: a deploy check refuses it, as reset and invitation links would
# land in the server log.
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
