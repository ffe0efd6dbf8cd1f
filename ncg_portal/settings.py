"""Settings for the NCG portal, read from the environment.

Development and tests set DEBUG=true or the variables they need (see the Makefile);
production must set SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS or the portal refuses to start.
"""

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", required=True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "simple_history",
    "django_tasks_db",
    "anymail",
    "ncg_portal",
    "members",
    "meetings",
    "advice",
]

MIDDLEWARE = [
    "ncg_portal.middleware.RequestIdMiddleware",
    "ncg_portal.middleware.InboundWebhookBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The database is down: a 503 page. Outside everything that may read the session or the user.
    "ncg_portal.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ncg_portal.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "ncg_portal.middleware.RequireMfaMiddleware",
    "ncg_portal.middleware.ClosedGroupMiddleware",
    "ncg_portal.middleware.PermissionsPolicyMiddleware",
]

ROOT_URLCONF = "ncg_portal.urls"
WSGI_APPLICATION = "ncg_portal.wsgi.application"

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
                "django.template.context_processors.csp",
                "ncg_portal.context_processors.portal",
            ],
            "builtins": ["ncg_portal.templatetags.portal"],
        },
    },
    # Plain-text emails: nothing HTML-escaped ("adolygu'r", "&" stay as written).
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False, "builtins": ["ncg_portal.templatetags.portal"]},
    },
]
FORM_RENDERER = "ncg_portal.forms.GovukFormRenderer"

# Postgres everywhere. The Makefile works out DATABASE_URL when it is not set.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", required=not DEBUG)
        or "postgres://postgres@127.0.0.1:5432/ncg_portal",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A database server that does not answer fails the request (a 503 page, ncg_portal/outage.py) or
# command within seconds, instead of holding a web worker until the TCP stack gives up.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env_int("DB_CONNECT_TIMEOUT_SECONDS", 5)
)
# Postgres's default random_page_cost (4) is for spinning disks: it makes the planner scan whole
# history tables rather than use their indexes (the audit log, docs/benchmarks.md). 1.1 is the
# usual value for SSDs and for data that fits in memory. Set DB_RANDOM_PAGE_COST to change it.
DATABASES["default"]["OPTIONS"].setdefault(
    "options", f"-c random_page_cost={float(env_str('DB_RANDOM_PAGE_COST') or 1.1)}"
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Parts of pages kept in each web worker's memory under their group's change stamp
# (ncg_portal/stamps.py, the {% fragment %} tag). FRAGMENT_CACHE=false renders them every time.
FRAGMENT_CACHE = env_bool("FRAGMENT_CACHE", True)

# Serve the benchmark's two reference views (bench/reference_views.py); never in production.
BENCH_REFERENCES = env_bool("BENCH_REFERENCES", False)

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "pdf": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pdf",
        },
    }
else:
    # A shared cache, so rate limits and TOTP replay protection hold across processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ncg_cache",
        },
        # Rendered PDFs (ncg_portal/pdf.py), apart: their numbers and size must not push the
        # rate-limit and TOTP entries out of the default cache when it culls.
        "pdf": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ncg_pdf_cache",
            "OPTIONS": {"MAX_ENTRIES": env_int("PDF_CACHE_ENTRIES", 2000)},
        },
    }
# Page fragments ({% fragment %}): in each worker's memory, as their keys hold the shared stamps.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "ncg-fragments",
    "OPTIONS": {"MAX_ENTRIES": env_int("FRAGMENT_CACHE_ENTRIES", 2000)},
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_USER_MODEL = "members.Person"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # Our people have an email and a full name, not Django's username/first/last names.
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:home"

# Sessions end after inactivity: requests push the expiry on (ncg_portal.middleware.
# SessionRefreshMiddleware), at most once a minute rather than with a database write each request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie (forms carry the token), so script may not either.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-allauth: email login, no open sign-up (people join by invitation).
ACCOUNT_ADAPTER = "members.adapters.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
MFA_ADAPTER = "members.adapters.PortalMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "NCG portal"
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
PAPER_MAX_BYTES = env_int("PAPER_MAX_MB", 25) * 1024 * 1024

# The written procedure. Replies come to reply+<token>@REPLY_DOMAIN (an address the mail server
# hands to `manage.py receive_email`, a Maildir, or the email service's inbound webhook).
REPLY_DOMAIN = env_str("REPLY_DOMAIN", "replies.example.org")
# A reply address stops working this many days after the circulation's deadline.
REPLY_TOKEN_GRACE_DAYS = env_int("REPLY_TOKEN_GRACE_DAYS", 30)
# Papers go as attachments as well as links when together they are no larger than this.
CIRCULATION_ATTACHMENTS_MAX_BYTES = env_int("CIRCULATION_ATTACHMENTS_MAX_MB", 10) * 1024 * 1024
# Reminders go to those who have not answered this many days before the deadline.
CIRCULATION_REMINDER_DAYS = env_int("CIRCULATION_REMINDER_DAYS", 2)
# Inbound messages larger than this are held, not parsed.
INBOUND_MAX_BYTES = env_int("INBOUND_MAX_MB", 35) * 1024 * 1024
# django-anymail's webhooks (/anymail/<service>/inbound/ and /tracking/): "user:password" for the
# HTTP basic auth the email service sends. Unset, the webhooks are not routed at all: anymail would
# otherwise accept posts from anyone (it only warns).
ANYMAIL = {"WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET", "")}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Email goes out through the outbox and the worker; MAILERS says how the worker sends it.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "NCG portal <no-reply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND_PATH = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        # The SMTP options belong to the SMTP backend only (the console backend, for `make run`,
        # and anymail's backends refuse them).
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "127.0.0.1"),
            "port": env_int("EMAIL_PORT", 25),
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": 30,
        }
        if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend")
        else {},
    }
}

# The outbox's delivery rules (ncg_portal/outbox.py, docs/operations.md). A message a worker has
# held in "sending" for longer than MAIL_SENDING_TIMEOUT_SECONDS is taken back and sent again (keep
# it well above the SMTP timeout); the sweep that does so runs every MAIL_SWEEP_INTERVAL_SECONDS;
# a failed send is tried again after each of MAIL_RETRY_DELAYS_SECONDS in turn (1, 5, 15, 60 min).
MAIL_SENDING_TIMEOUT_SECONDS = env_int("MAIL_SENDING_TIMEOUT_SECONDS", 600)
MAIL_SWEEP_INTERVAL_SECONDS = env_int("MAIL_SWEEP_INTERVAL_SECONDS", 60)
MAIL_RETRY_DELAYS_SECONDS = env_list("MAIL_RETRY_DELAYS_SECONDS", ["60", "300", "900", "3600"])
if not (
    MAIL_SENDING_TIMEOUT_SECONDS > 0
    and MAIL_SWEEP_INTERVAL_SECONDS > 0
    and MAIL_RETRY_DELAYS_SECONDS
    and all(delay.isdigit() for delay in MAIL_RETRY_DELAYS_SECONDS)
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "MAIL_SENDING_TIMEOUT_SECONDS and MAIL_SWEEP_INTERVAL_SECONDS must be positive and "
        "MAIL_RETRY_DELAYS_SECONDS a comma-separated list of whole seconds."
    )
MAIL_RETRY_DELAYS_SECONDS = [int(delay) for delay in MAIL_RETRY_DELAYS_SECONDS]

# A strict Content-Security-Policy: no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ncg_portal.middleware.RequestIdFilter"}},
    "formatters": {
        "line": {
            "format": "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # WeasyPrint logs each rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

SERVICE_NAME = _("Advisory groups portal")
