"""Settings: the one place that reads the environment.

Every value comes from an environment variable with a default that is safe for
local use. A value that cannot be understood stops start-up with
ImproperlyConfigured naming the variable, rather than failing later as a 500.
The README lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from videoeditor import media_tools
from videoeditor.config import EnvReader, load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

read = EnvReader(environ.Env())

# Everything the embedded default writes (SQLite, media, the embedded Redis
# socket, the generated secret key) lives under one folder.
VAR_DIR = Path(read.str("VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = read.bool("DEBUG", default=False)
SECRET_KEY = read.str("SECRET_KEY", default="") or load_or_create_secret_key(VAR_DIR / "secret_key")
SECRET_KEY_FROM_ENV = bool(read.str("SECRET_KEY", default=""))
ALLOWED_HOSTS = read.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = read.list("CSRF_TRUSTED_ORIGINS", default=[])
for origin in CSRF_TRUSTED_ORIGINS:
    if urlsplit(origin).scheme not in ("http", "https") or not urlsplit(origin).netloc:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {origin!r} must be a full origin such as "
            "'https://editor.example.com'."
        )
# Set when a TLS-terminating proxy sits in front (production): trust its
# X-Forwarded-Proto header, keep cookies on HTTPS only, send plain-http requests to
# https and tell browsers to stay there (HSTS). Without it (`make run`: plain http on
# localhost) none of this applies.
BEHIND_HTTPS_PROXY = read.bool("BEHIND_HTTPS_PROXY", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # A load balancer's or a person's local probe of a web process speaks plain http.
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
    SECURE_HSTS_SECONDS = read.int("HSTS_SECONDS", default=365 * 24 * 3600, minimum=0)
    # Subdomains of the editor's own host name (not its siblings).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = read.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = read.bool("HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # security.W021 asks every site to opt in to the browsers' preload list. That is
        # the domain owner's decision, hard to undo (hstspreload.org asks projects not to
        # turn it on by default); HSTS_PRELOAD=true opts in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
    "videoeditor",
    "accounts",
    "games",
    "exports",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "videoeditor.middleware.NeverCacheAPIMiddleware",
    "videoeditor.middleware.JSONBodyLimitMiddleware",
]

ROOT_URLCONF = "videoeditor.urls"
ASGI_APPLICATION = "videoeditor.asgi.application"

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
                "videoeditor.context_processors.shell",
            ],
        },
    },
]

# Processes of the web server (uvicorn --workers); Django serves sync views one at
# a time per process, so one per core. Read by videoeditor/stack.py.
# The cores this process may use (a container's share, not the host's), where known.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
WEB_CONCURRENCY = read.int("WEB_CONCURRENCY", default=_CORES, minimum=1)

# --- Database -----------------------------------------------------------------
DATABASES = {"default": read.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web and worker processes share one file: WAL lets readers run beside
    # the writer, IMMEDIATE takes the write lock at BEGIN (no upgrade deadlock),
    # and the timeout makes a busy writer wait instead of failing.
    # Tests run web and worker processes beside the test runner, so the test
    # database is a file they can all open (not SQLite's private in-memory one).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test-db.sqlite3")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif read.bool("DATABASE_POOL", default=False):
    # Web processes: under ASGI each request's sync code runs on a fresh thread, and
    # Django keeps persistent connections per thread, so every request connected
    # anew. A psycopg pool is shared by a process's threads. Never in task workers:
    # django-q2 forks them, and a pool's connections must not cross a fork.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": read.int("DATABASE_POOL_MAX_SIZE", default=20, minimum=1),
        "timeout": 10,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", read.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and task broker ----------------------------------------
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = read.str("REDIS_URL", default="")
EMBEDDED_REDIS = not REDIS_URL
if EMBEDDED_REDIS:
    REDIS_URL = f"unix://{EMBEDDED_REDIS_SOCKET}"
elif urlsplit(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
    raise ImproperlyConfigured(f"REDIS_URL {REDIS_URL!r} must start with redis://, rediss:// or unix://.")
# Keys of this deployment are prefixed so several deployments can share a server.
REDIS_PREFIX = read.str("REDIS_PREFIX", default="videoeditor")

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    # channels-redis blocks in BZPOPMIN for 5 s; a read timeout of
                    # 5 s (redis-py's default) would cut that wait off and crash
                    # consumers. Sockets connect in bursts (a deploy reconnects
                    # everyone), so the pool must not run out at redis-py's 100.
                    "socket_timeout": 15,
                    "socket_connect_timeout": 5,
                    "max_connections": read.int("REDIS_MAX_CONNECTIONS", default=2000, minimum=10),
                }
            ],
            "prefix": f"{REDIS_PREFIX}:asgi",
            "capacity": 1000,
            "expiry": 60,
        },
    }
}

# Django's cache (login throttling counters) on the same Redis, so every web
# process sees the same counts. A cache-only prefix: nothing else shares its keys.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{REDIS_PREFIX}:cache",
        "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
    }
}

# django-q2: one site prefix shared by every cluster, one queue per cluster
# name. `Q_CLUSTER_NAME=gpu python manage.py qcluster` starts the gpu cluster.
Q_TIMEOUT = read.int("Q_TIMEOUT", default=3600)
Q_RETRY = read.int("Q_RETRY", default=Q_TIMEOUT + 600)
Q_CLUSTER = {
    "name": REDIS_PREFIX,
    "cluster_name": "cpu",
    "redis": REDIS_URL,
    "workers": read.int("Q_WORKERS", default=2),
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 500,
    "label": "Task queue",
    "ALT_CLUSTERS": {
        "gpu": {
            "workers": read.int("Q_GPU_WORKERS", default=1),
            "timeout": Q_TIMEOUT,
            "retry": Q_RETRY,
        },
    },
}

# --- Storage ----------------------------------------------------------------------
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app and project folders too, so a fresh checkout
# works without collectstatic; production runs collectstatic once per release.
WHITENOISE_USE_FINDERS = True

S3_BUCKET = read.str("S3_BUCKET", default="")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if S3_BUCKET:
    S3_ENDPOINT_URL = read.str("S3_ENDPOINT_URL", default="") or None
    if S3_ENDPOINT_URL and urlsplit(S3_ENDPOINT_URL).scheme not in ("http", "https"):
        raise ImproperlyConfigured(f"S3_ENDPOINT_URL {S3_ENDPOINT_URL!r} must be an http:// or https:// URL.")
    STORAGES["default"] = {
        # django-storages with one boto3 client per process (videoeditor/storage.py).
        "BACKEND": "videoeditor.storage.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL,
            "access_key": read.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": read.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": read.str("S3_REGION", default="") or None,
            "signature_version": "s3v4",
            # MinIO and most self-hosted S3 APIs only speak path-style URLs.
            "addressing_style": read.str(
                "S3_ADDRESSING_STYLE", default="path" if S3_ENDPOINT_URL else "auto"
            ),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 3600,
        },
    }

# --- Uploads and playback --------------------------------------------------------------
# Files up to this size may go in one presigned PUT; bigger ones use multipart.
UPLOAD_SINGLE_MAX_BYTES = read.int("UPLOAD_SINGLE_MAX_BYTES", default=100 * 2**20, minimum=1)
UPLOAD_ABANDONED_HOURS = read.int("UPLOAD_ABANDONED_HOURS", default=48, minimum=1)
# A presigned GET must outlive a viewing session: the video element keeps using it.
PLAYBACK_URL_EXPIRES = read.int("PLAYBACK_URL_EXPIRES", default=4 * 3600, minimum=60)

# The largest JSON request body the API reads (edits are kilobytes; uploads are not JSON).
API_JSON_MAX_BYTES = read.int("API_JSON_MAX_BYTES", default=2**20, minimum=1024)

# --- Output sizes of exports, by aspect ratio ------------------------------------------
# The short side of every export (1080 gives 1080x1920 for phones); even sizes only.
OUTPUT_SHORT_SIDE = read.int("OUTPUT_SHORT_SIDE", default=1080, minimum=64)
if OUTPUT_SHORT_SIDE % 2:
    raise ImproperlyConfigured(f"OUTPUT_SHORT_SIDE={OUTPUT_SHORT_SIDE} must be even.")


def _output_size(width: int, height: int) -> tuple[int, int]:
    scale = OUTPUT_SHORT_SIDE / min(width, height)
    return 2 * round(width * scale / 2), 2 * round(height * scale / 2)


OUTPUT_SIZES = {ratio: _output_size(*map(int, ratio.split(":"))) for ratio in ("9:16", "16:9", "1:1", "4:3")}

# --- Export jobs --------------------------------------------------------------------------
# A job whose worker died is queued again until it has had this many attempts.
EXPORT_MAX_ATTEMPTS = read.int("EXPORT_MAX_ATTEMPTS", default=2, minimum=1)
# A pending job no worker picked up in this long is queued once more, then failed.
EXPORT_STALE_MINUTES = read.int("EXPORT_STALE_MINUTES", default=15, minimum=1)
# A rendering worker refreshes its liveness key (Redis, never the database) well within
# this many seconds; the sweeper treats a job whose key expired as orphaned.
EXPORT_HEARTBEAT_SECONDS = read.int("EXPORT_HEARTBEAT_SECONDS", default=30, minimum=2)
# The django-q2 cluster that runs exports needing the AI upscaler (e.g. "gpu", served by
# `Q_CLUSTER_NAME=gpu manage.py qcluster`); empty: the default cluster, upscaling on CPU.
EXPORT_GPU_CLUSTER = read.str("EXPORT_GPU_CLUSTER", default="")

# --- Clip cuts (the same durable-job rules as exports; see games/extraction.py) ---------
# A cut whose worker died is queued again until it has had this many attempts.
EXTRACTION_MAX_ATTEMPTS = read.int("EXTRACTION_MAX_ATTEMPTS", default=3, minimum=1)
# A cut no worker picked up in this long is queued once more, then failed.
EXTRACTION_STALE_MINUTES = read.int("EXTRACTION_STALE_MINUTES", default=10, minimum=1)
# A cutting worker refreshes its Redis liveness key well within this many seconds.
EXTRACTION_HEARTBEAT_SECONDS = read.int("EXTRACTION_HEARTBEAT_SECONDS", default=30, minimum=2)

# --- Upscaling --------------------------------------------------------------------------
# Folder with realesr-general-x4v3.pth and/or RealESRGAN_x4plus.pth (never downloaded).
SR_WEIGHTS_DIR = read.str("SR_WEIGHTS_DIR", default="") or None
SR_MODEL = read.str("SR_MODEL", default="compact")
if SR_MODEL not in ("compact", "rrdb"):
    raise ImproperlyConfigured(f"SR_MODEL={SR_MODEL!r} must be compact or rrdb.")
# A 4x network on a CPU takes seconds a frame; bicubic is used there unless this is on.
UPSCALE_ON_CPU = read.bool("UPSCALE_ON_CPU", default=False)

# --- Media tools ----------------------------------------------------------------
FFMPEG_BINARY = read.str("FFMPEG_BINARY", default="") or media_tools.find_ffmpeg()

# --- Auth and API -----------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
# django-allauth's backend alone: it takes a username or an email and is Django's model
# backend otherwise (the admin, the token endpoint). With both listed, a failed sign-in
# would check the password twice.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

# Accounts (django-allauth; accounts/). SIGNUP_MODE: "invite" (the default: a signed-in
# person sends an emailed invitation that expires after INVITATION_DAYS) or "open".
SIGNUP_MODE = read.str("SIGNUP_MODE", default="invite")
if SIGNUP_MODE not in ("invite", "open"):
    raise ImproperlyConfigured(f"SIGNUP_MODE={SIGNUP_MODE!r} must be invite or open.")
INVITATION_DAYS = read.int("INVITATION_DAYS", default=7, minimum=1)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = read.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
if ACCOUNT_EMAIL_VERIFICATION not in ("none", "optional", "mandatory"):
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION={ACCOUNT_EMAIL_VERIFICATION!r} must be none, optional or mandatory."
    )
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Highlights] "
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Failed sign-ins are limited by videoeditor/login_throttle.py (one policy for every
# sign-in form and the token endpoint); allauth's own limits stay for the rest.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
# The sessions page shows where and when each session began (allauth records it at
# sign-in). Tracking "last seen" too would write a row on every signed-in request (the
# editor makes many), and allauth's UserSessionsMiddleware does nothing else: not installed.
USERSESSIONS_TRACK_ACTIVITY = False

# Email: EMAIL_URL as django-environ reads it: consolemail:// (the default: messages
# are printed by the process that sends them), smtp://user:password@host:25,
# smtp+tls://...:587, smtp+ssl://...:465. Credentials in the URL are percent-encoded.
globals().update(read.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = read.str("DEFAULT_FROM_EMAIL", default="Highlights <highlights@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins allowed per account and per client address within a window that
# opens at the first failure; past either, /accounts/login/, /admin/login/ and /api/auth/token refuse
# attempts with 429 until the window ends (videoeditor/login_throttle.py).
LOGIN_FAILURES_PER_ACCOUNT = read.int("LOGIN_FAILURES_PER_ACCOUNT", default=5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = read.int("LOGIN_FAILURES_PER_ADDRESS", default=20, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = read.int("LOGIN_FAILURE_WINDOW_SECONDS", default=300, minimum=1)

REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with a WWW-Authenticate
    # header instead of a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Documents the error answers every operation can give (videoeditor/schema.py).
    "DEFAULT_SCHEMA_CLASS": "videoeditor.schema.AutoSchema",
    # JSON with a nesting limit; forms as DRF's defaults have them.
    "DEFAULT_PARSER_CLASSES": [
        "videoeditor.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "videoeditor.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "videoeditor.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    # Row ids in paths (videoeditor/converters.py): 64-bit primary keys, documented so a
    # client (and a fuzzer) knows where they end.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    },
    "TITLE": "Soccer Highlight Video Editor API",
    "DESCRIPTION": (
        "Games and uploads, clip annotations, projects and their framing and overlay "
        "edits, export jobs and notifications. Log in with a session (the editor "
        "pages) or send `Authorization: Token <key>` (obtain one at /api/auth/token)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "UploadModeEnum": "games.models.UploadMode",
        "ProjectModeEnum": "exports.models.ProjectMode",
        "ExportTypeEnum": "exports.models.JobType",
        "ExportStatusEnum": "exports.models.JobStatus",
    },
}

# --- Notifications ----------------------------------------------------------------
NOTIFICATIONS_RETENTION_HOURS = read.int("NOTIFICATIONS_RETENTION_HOURS", default=24, minimum=1)
# The server says "heartbeat" this often and drops a socket silent for longer
# than the idle timeout (browsers ping every 20 s).
NOTIFICATIONS_HEARTBEAT_SECONDS = 20
NOTIFICATIONS_IDLE_TIMEOUT_SECONDS = 70

# --- Locale -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = read.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Logging ----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": read.str("LOG_LEVEL", default="INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
