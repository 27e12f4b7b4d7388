"""Peerway settings: one module, driven by environment variables (see docs/operations.md).

PEERWAY_MODE chooses safe defaults: ``production`` (the default) refuses to start without its secrets;
``demo`` generates keys into var/ and turns MFA off; ``test`` uses fixed throwaway keys.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from peerway.env import SettingError, env_bool, env_choice, env_int, env_list, env_parsed, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("PEERWAY_VAR_DIR", str(PROJECT_DIR / "var")))

MODE = env_choice("PEERWAY_MODE", ("production", "demo", "test"), "production")
PRODUCTION = MODE == "production"


def _local_secret(name: str, make: str) -> str:
    """Read a key generated for the demo or tests from var/, creating it on first use."""
    path = VAR_DIR / "keys" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make)
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_keys(raw: str) -> list[str]:
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise ValueError("no key given")
    for key in keys:
        Fernet(key.encode())
    return keys


def _site_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{raw!r} is not an address like https://peerway.example.org")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _long_secret(raw: str) -> str:
    if len(raw) < 32:
        raise ValueError("it is shorter than 32 characters")
    return raw


if PRODUCTION:
    _secret_default = _fernet_default = _blind_default = None
elif MODE == "demo":
    _secret_default = _local_secret("secret_key", secrets.token_urlsafe(50))
    _fernet_default = _local_secret("field_encryption_key", Fernet.generate_key().decode())
    _blind_default = _local_secret("blind_index_key", secrets.token_urlsafe(48))
else:
    # Fixed keys for the test suite only: nothing real is ever encrypted with them.
    _secret_default = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
    _fernet_default = "x6B6Cq9Qd2Z3vO0m8p7HfJ2l4n5r1s9t0u3w6y8zA1E="
    _blind_default = "test-blind-index-key-not-for-production-0123456789"

SECRET_KEY = env_parsed("SECRET_KEY", _long_secret, _secret_default, "a random string of 32 characters or more")
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# Field encryption has its own keys, so rotating SECRET_KEY never makes stored records unreadable.
# The first key encrypts; every key listed decrypts (rotation: put the new key first).
FIELD_ENCRYPTION_KEYS = env_parsed(
    "FIELD_ENCRYPTION_KEY", _fernet_keys, _fernet_default, "one or more comma-separated Fernet keys"
)
BLIND_INDEX_KEY = env_parsed(
    "BLIND_INDEX_KEY", _long_secret, _blind_default, "a random string of 32 characters or more"
)

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise SettingError("The environment variable ALLOWED_HOSTS is required in production (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address people and staff reach Peerway at: the links in texts and emails (private links, message notices,
# reminders) are built on it, so production must say it rather than send everyone to localhost.
SITE_URL = env_parsed(
    "SITE_URL", _site_url, None if PRODUCTION else "http://localhost:8000", "the site's public address (https://…)"
)

PEERWAY_REQUIRE_MFA = env_bool("PEERWAY_REQUIRE_MFA", MODE == "production")

# The cache holds the rate-limit counters (the public request form, /verify, private-link codes). "local" is each
# process's own memory, so each gunicorn worker counts on its own; "database" is one table every process shares
# (created by `peerway migrate`), so a limit is one limit however many processes and hosts serve.
PEERWAY_CACHE = env_choice("PEERWAY_CACHE", ("local", "database"), "local")
DATABASE_CACHE_TABLE = "peerway_cache"
CACHES = {
    "default": (
        {"BACKEND": "peerway.core.cache.WindowDatabaseCache", "LOCATION": DATABASE_CACHE_TABLE}
        if PEERWAY_CACHE == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "peerway.core",
    "peerway.accounts",
    "peerway.organizations",
    "peerway.workforce",
    "peerway.intake",
    "peerway.matching",
    "peerway.recovery",
    "peerway.resources",
    "peerway.certification",
    "peerway.privacy",
    "peerway.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "peerway.core.middleware.HeadAsGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "peerway.accounts.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "peerway.core.middleware.OrganizationTimezoneMiddleware",
    # Axes last, as its documentation asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peerway.urls"
WSGI_APPLICATION = "peerway.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'peerway.sqlite3'}"
DATABASES = {
    "default": env_parsed(
        "DATABASE_URL",
        lambda raw: dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True),
        _default_sqlite,
        "a database URL such as postgres://user@host:5432/name or sqlite:///path",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The admin's history pages show past versions; reverting one would write back every field of it past the services
# (a peer put back on shift with nothing routed, a name the peer chose undone).
SIMPLE_HISTORY_REVERT_DISABLED = True
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if MODE == "test":
    # Hashing cost is not under test; argon2 would make every fixture user slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "public:home"

# django-allauth: username login for staff accounts; no public sign-up (organizations invite staff).
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "peerway.accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
# Emails to staff (password reset, a new address to confirm) are Peerway's own templates (templates/account/email/):
# in the four languages, and never inviting a sign-up that does not exist.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Peerway] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Peerway"

# django-axes: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
# Behind a load balancer or reverse proxy, say how many to trust, or every visitor shares its address.
PEERWAY_PROXY_COUNT = env_int("PEERWAY_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "peerway.core.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "peerway.accounts.axes.axes_username"
AXES_VERBOSE = False
# Axes logs usernames on failure; keep its log quiet so no identifier reaches the logs.
AXES_ENABLE_ACCESS_FAILURE_LOG = False

LANGUAGE_CODE = "en"
# Somali and Hmong date formats, which Django lacks (numbers only: it has no month names in either).
FORMAT_MODULE_PATH = ["peerway.formats"]
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("so", _("Somali")),
    ("hmn", _("Hmong")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored in UTC; shown in the organization's zone (America/Chicago for Minnesota) by middleware.
USE_TZ = True
TIME_ZONE = "America/Chicago"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The project's own static files (design tokens and styles) live outside any app's static/ folder.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # WhiteNoise warns when STATIC_ROOT is missing; outside production it serves from the apps directly.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Strict Content-Security-Policy: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
# A refused form is explained in the visitor's language; the public request form comes back filled in.
CSRF_FAILURE_VIEW = "peerway.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


def _port(raw: str) -> int:
    port = int(raw)
    if not 1 <= port <= 65535:
        raise ValueError(f"not {raw!r}")
    return port


# The mail server for the SMTP backend: Django's own settings, read from the environment like every other.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_parsed("EMAIL_PORT", _port, "25", "a TCP port from 1 to 65535")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise SettingError("The environment variables EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true: choose one.")
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "peerway@localhost")

# Text messages (see peerway/core/sms.py): no carrier ships with Peerway; a deployment names its own class.
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    {
        "production": "peerway.core.sms.DisabledBackend",
        "demo": "peerway.core.sms.ConsoleBackend",
        "test": "peerway.core.sms.LocmemBackend",
    }[MODE],
)
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms" / "messages.jsonl"))

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"not {raw!r}")
    return level


LOG_LEVEL = env_parsed("LOG_LEVEL", _log_level, "INFO", f"one of {', '.join(LOG_LEVELS)}, in any case")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "peerway.core.logging.RedactPersonalData"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
        # The development server (demo mode) logs each request line, private links included, through its
        # own handler rather than the root's; Django's default for it, with the filter added.
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default gives this logger an unfiltered console handler when DEBUG is on (and an admin
        # mail handler, a no-op without ADMINS); its records reach the root's filtered handler instead.
        "django": {"handlers": [], "level": "INFO"},
        # Request bodies and query strings can carry personal data; Django's request logger logs paths
        # only, and our filter strips query strings from what it prints.
        "django.request": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
