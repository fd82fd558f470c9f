"""Settings for Học bạ số: one file, every deployment choice read from the environment.

Embedded default (``make demo``): SQLite under ``var/``, files on disk under ``var/media``,
background tasks run in-process. At scale: ``DATABASE_URL`` points at PostgreSQL and
``HOCBASO_TASKS=database`` hands tasks to ``db_worker`` processes.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HOCBASO_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# The test suite runs in demo mode with a per-machine key (pytest starts Django before conftest).
TESTING = "pytest" in sys.modules
DEBUG = env_bool("HOCBASO_DEBUG", False)
# Demo mode: demo PKI and demo accounts, and a banner on every page saying so.
DEMO_MODE = env_bool("HOCBASO_DEMO", TESTING)


def _secret_key() -> str:
    """The key from the environment; in debug or demo mode a per-machine key kept in var/."""
    configured = env_str("HOCBASO_SECRET_KEY", "")
    if configured:
        return configured
    if not (DEBUG or DEMO_MODE or TESTING):
        return env_str("HOCBASO_SECRET_KEY")  # raises with the variable named
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("HOCBASO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
PUBLIC_BASE_URL = env_str("HOCBASO_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Public verifications (page and API) per client and minute, counted on the shared cache (CACHES).
HOCBASO_VERIFY_RATE_PER_MINUTE = env_int("HOCBASO_VERIFY_RATE_PER_MINUTE", 120)
# Sign-in throttling (hocbaso/accounts/throttle.py): failures that lock an account / a client address.
HOCBASO_SIGNIN_FAILURES = env_int("HOCBASO_SIGNIN_FAILURES", 5)
HOCBASO_SIGNIN_CLIENT_FAILURES = env_int("HOCBASO_SIGNIN_CLIENT_FAILURES", 20)
HOCBASO_LOCKOUT_MINUTES = env_int("HOCBASO_LOCKOUT_MINUTES", 15)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "hocbaso.core",
    "hocbaso.audit",
    "hocbaso.accounts",
    "hocbaso.directory",
    "hocbaso.curriculum",
    "hocbaso.assessments",
    "hocbaso.records",
    "hocbaso.signing",
    "hocbaso.ledger",
    "hocbaso.verification",
    "hocbaso.transfers",
    "hocbaso.portal",
    "hocbaso.reporting",
    "hocbaso.reporting.ministry",
    "hocbaso.reporting.readiness",  # readiness, supervision, training guides
    "hocbaso.api",
    "hocbaso.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # answers static files itself: nothing below sees them
    "hocbaso.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before CSRF (which parses forms): an oversized body is refused before anything reads it.
    "hocbaso.core.body_limits.BodyLimitMiddleware",
    # Above the cached lookups, so their answers carry the same headers (Content-Length, X-Frame-Options).
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A visitor without a session asking for a cached code lookup is answered here, before sessions,
    # CSRF, authentication and messages (ADR 0020); everything else goes on below.
    "hocbaso.verification.middleware.CachedLookupMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hocbaso.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Request bodies (docs/security.md, "Uploads and input"): every request at most 2.5 MB unless its view
# declares a file upload (core/body_limits.py); a form at most 1000 fields and 5 files; files above
# 2.5 MB go to a temporary file rather than memory while they are received.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HOCBASO_MAX_REQUEST_BYTES", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "hocbaso.core.context_processors.deployment",
            ],
            "string_if_invalid": "",
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hocbaso.sqlite3'}"),
        conn_max_age=env_int("HOCBASO_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with a flush safe for the reporting triggers (hocbaso/core/db/sqlite3).
    DATABASES["default"]["ENGINE"] = "hocbaso.core.db.sqlite3"
    # WAL lets the web process read while a task worker writes; the busy timeout waits
    # for a writer instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file too: a shared in-memory database answers concurrent writers (browser
    # tests, concurrency tests) with "table is locked" instead of waiting for the lock.
    # One file per test process, so parallel runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# --- a read replica for the public verify path (docs/scaling.md) ------------------------------------
# HOCBASO_DATABASE_REPLICA_URL: a streaming replica of DATABASE_URL. Only the read-only queries of the
# public verification (code lookup, verify page, verify API) go there, inside
# ``hocbaso.core.replica.reads_from_replica()``; every write, and every read inside a transaction,
# stays on the primary (hocbaso/core/replica.py). Tests: the alias exists as a TEST MIRROR of default.
_replica_url = env_str("HOCBASO_DATABASE_REPLICA_URL", "")
HOCBASO_READ_REPLICA = bool(_replica_url)
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=env_int("HOCBASO_DB_CONN_MAX_AGE", 0))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
elif TESTING:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["hocbaso.core.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# The second factor (docs/security.md): TOTP apps show this name next to the six-digit code.
OTP_TOTP_ISSUER = "Học bạ số (thử)" if DEMO_MODE else "Học bạ số"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# The embedded default serves its own static files (no web server in front, no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# Stored files (record PDFs/XML, prepared signatures, scans, exports, uploads waiting for
# confirmation): on this machine's disk under MEDIA_ROOT by default; in an S3-compatible object store
# shared by every machine when HOCBASO_S3_BUCKET is set (docs/scaling.md). Files are only ever read
# back through the app (never a bucket URL): the bucket stays private.
_s3_bucket = env_str("HOCBASO_S3_BUCKET", "")
if _s3_bucket:
    _s3_options = {
        "bucket_name": _s3_bucket,
        "endpoint_url": env_str("HOCBASO_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("HOCBASO_S3_REGION", "") or None,
        # Secrets only from the environment; unset, boto3's own chain (instance role, AWS_* variables).
        "access_key": env_str("HOCBASO_S3_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("HOCBASO_S3_SECRET_ACCESS_KEY", "") or None,
        "location": env_str("HOCBASO_S3_PREFIX", ""),
        "addressing_style": env_str("HOCBASO_S3_ADDRESSING_STYLE", "path"),
        "signature_version": "s3v4",
        "file_overwrite": True,  # record files are content-addressed: the same name is the same bytes
        "querystring_auth": True,  # a URL, were one ever made, would be signed and expire
        "querystring_expire": 60,
        "default_acl": None,  # the bucket's own (private) policy
    }
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background work: in-process in the embedded default, database workers at scale.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_task_mode = env_str("HOCBASO_TASKS", "immediate")
if _task_mode not in _TASK_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"HOCBASO_TASKS must be one of {sorted(_TASK_BACKENDS)}; got {_task_mode!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_mode]}}
# A signing batch is split into this many task shards, run in parallel by database workers (one
# shard per worker core); the in-process backend runs a batch as one piece.
HOCBASO_SIGNING_SHARDS = env_int("HOCBASO_SIGNING_SHARDS", 2) if _task_mode == "database" else 1
# Trust and timestamps of signing and verification (``signing.trust``), read here once: the RFC 3161
# timestamp authority, the PEM file of trusted roots (empty in demo mode: the demo PKI's root), the
# OAuth token of the remote signing service (CSC), the password of the demo PKCS#12 files.
HOCBASO_TSA_URL = env_str("HOCBASO_TSA_URL", "")
HOCBASO_TRUSTED_ROOTS = env_str("HOCBASO_TRUSTED_ROOTS", "")
HOCBASO_CSC_TOKEN = env_str("HOCBASO_CSC_TOKEN", "")
HOCBASO_DEMO_PKCS12_PASSWORD = env_str("HOCBASO_DEMO_PKCS12_PASSWORD", "") or "demo"
# Verification re-renders a record's XML in a helper process beside the signature checks (a second
# core; ``records.render_ahead``); 0 keeps every re-render in the verifying process.
HOCBASO_RENDER_HELPER = env_bool("HOCBASO_RENDER_HELPER", True)
# And runs pyHanko's difference analysis of the signatures in another helper process beside the
# rest of the checks (``verification.diff_ahead``); 0 keeps it in the verifying process.
HOCBASO_DIFF_HELPER = env_bool("HOCBASO_DIFF_HELPER", True)

# --- the shared cache: rate limits, sign-in throttling and sessions across every process --------
# Redis in production (HOCBASO_CACHE_URL, or REDIS_URL), e.g. redis://127.0.0.1:6379/1; without it a
# per-process memory cache, which is right for the embedded default (one process).
_cache_url = env_str("HOCBASO_CACHE_URL", env_str("REDIS_URL", ""))
CACHES: dict[str, dict[str, object]]
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://", "unix://")):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"HOCBASO_CACHE_URL must be a redis://, rediss:// or unix:// URL; got {_cache_url!r}."
        )
    CACHES = {
        "default": {
            # Django's Redis backend, keeping its client and counting in one round trip (ADR 0020).
            "BACKEND": "hocbaso.core.cache.RedisCache",
            "LOCATION": _cache_url,
            # Several deployments (provinces, a staging copy) may share one Redis: keep their keys apart.
            "KEY_PREFIX": env_str("HOCBASO_CACHE_KEY_PREFIX", ""),
        }
    }
    CACHES["render_digests"] = dict(CACHES["default"])  # the same Redis (records.render_digests, ADR 0024)
    # Sessions read from the shared cache, written through to the database (which stays the truth:
    # a session survives a Redis restart, and a sign-in on one machine is valid on every other).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # The render digests of the records issued (ADR 0024) apart, so that many of them never push
        # the rate limits and sign-in counts out of the default cache's 300 entries.
        "render_digests": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "render-digests",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }

# --- HTTPS, cookies, proxy, headers (docs/security.md, "Production settings") ----------------------
# HOCBASO_HTTPS=1 in production: every request redirected to HTTPS, HSTS, cookies only over HTTPS.
HTTPS = env_bool("HOCBASO_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("HOCBASO_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HOCBASO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("HOCBASO_HSTS_PRELOAD", True)
# Behind nginx (HOCBASO_BEHIND_PROXY=1): the proxy says whether the client used HTTPS, and its
# X-Forwarded-For names the client (believed only from HOCBASO_TRUSTED_PROXIES, default loopback).
BEHIND_PROXY = env_bool("HOCBASO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
HOCBASO_TRUSTED_PROXIES = env_list("HOCBASO_TRUSTED_PROXIES", ["127.0.0.1", "::1"] if BEHIND_PROXY else [])
# Origins allowed to POST (CSRF): the public address by default when it is HTTPS.
CSRF_TRUSTED_ORIGINS = env_list(
    "HOCBASO_CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL.rstrip("/")] if PUBLIC_BASE_URL.startswith("https://") else []
)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; Django 5.2 has none of its own): only the project's own files,
# no inline script or style, never framed. Applied everywhere, demo and tests included, so the
# browser tests run under it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("HOCBASO_LOG_LEVEL", "WARNING")},
}
