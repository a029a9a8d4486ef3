"""Settings shared by every environment.

Everything that differs between a laptop and production comes from the environment. An unset
variable means the embedded default: SQLite, local-memory cache, Celery running tasks eagerly,
console e-mail, files on the local disk.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from lms_site.logs import logging_config

from . import files

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts",
    "home",
    "courses",
    "learning",
    "assessments",
    "certificates",
    "billing",
    "media_pipeline",
    "scorm",  # SCORM 1.2 / 2004 packages in lessons (library beside content, player at the feature level)
    "gamification",
    "scheduling",
    "analytics",
    "organisations",  # teams: seats, members, assignments (above billing and learning)
    "webhooks",  # outbound webhooks: listens to the apps' signals, imported by none
    "xapi",  # xAPI statements to a Learning Record Store: listens to the apps' signals, imported by none
    "lti",  # LTI 1.3 tool: launches from Moodle, Canvas, ...; grade passback; imported by none
    "api",  # the REST API v1 (django-ninja): on top of every app, imported by none
    "lms_site",  # the project package: seed_demo, and the outbox of unqueued tasks (lms_site/models.py)
    "accounts.apps.AccountsUsersAppConfig",  # Wagtail's user admin, with role and ban fields
    "wagtail.contrib.forms",
    # Editors translate pages segment by segment; the structure (and so every quiz's keys) stays the original's
    # (docs/adr/0038). Its `locales` app is Wagtail's locale admin with tree synchronisation.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.frontend_cache",  # purges published pages from nginx or a CDN (FRONTEND_CACHE_PURGE_URL)
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_htmx",
    "ninja",  # the API docs' template and Swagger UI's static files, served from this origin (no CDN)
    "template_partials",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
    "django.forms",
]

MIDDLEWARE = [
    # First: every log line, error report and answer after it, redirects included, carries the request id.
    "lms_site.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Each request is a unit of work for read replicas; above SessionMiddleware so that a saved session
    # counts as a write (lms_site/replicas.py).
    "lms_site.replicas.ReadYourWritesMiddleware",
    # Above XFrameOptionsMiddleware, so it sees the X-Frame-Options answer that frame-ancestors mirrors.
    "lms_site.csp.PathPolicyCSPMiddleware",
    # Visitors' pages from the cache (lms_site/page_cache.py): below the middleware whose headers every answer
    # needs fresh (request id, security headers, CSP), above SessionMiddleware, so a hit reads no session.
    "lms_site.page_cache.VisitorPageCacheMiddleware",
    # Over-long query parameters answer 400; so does a Wagtail admin view's crash on a value it cannot read.
    "lms_site.middleware.RefuseUnreadableInput",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (nothing of it is read: the URL alone decides), before CommonMiddleware's redirects.
    "lms_site.i18n.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SignOutBannedUsersMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "home.middleware.CachedSiteMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms_site.urls"
WSGI_APPLICATION = "lms_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.navigation",
                "accounts.context_processors.admin_access",
            ],
        },
    },
]

# Database: DATABASE_URL, e.g. mysql://user:password@host:3306/lms (mysqlclient) or the SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}


def _mysql_options(database: dj_database_url.DBConfig) -> None:
    if database["ENGINE"] == "django.db.backends.mysql":
        # Tables and the connection must share one collation, or MariaDB refuses comparisons that mix them
        # (Wagtail's migrations compare CAST(id AS char) with text columns).
        database.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                "collation": "utf8mb4_unicode_ci",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            }
        )
        database["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}


_mysql_options(DATABASES["default"])

# Read replicas (lms_site/replicas.py, ADR 0025): DATABASE_REPLICA_URLS, comma-separated, adds the aliases
# replica_1, replica_2, ... Only reads the code marks with replica_reads() go there, and none after a write.
DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    _mysql_options(DATABASES[_alias])
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.mysql":
        # A replica host that drops packets costs a request this long, then is left alone (RETRY_AFTER).
        DATABASES[_alias]["OPTIONS"]["connect_timeout"] = 2
    # A persistent connection to a replica that went away is noticed before the request uses it.
    DATABASES[_alias]["CONN_HEALTH_CHECKS"] = True
    # Tests never create a database on a replica: the alias reads the test database of the primary.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
# Without replicas the router decides nothing, so Django's own routing applies.
DATABASE_ROUTERS = ["lms_site.replicas.ReplicaRouter"]
# After a request that wrote, the browser reads the primary this long (a signed cookie), so the page it is
# redirected to shows what it just did even when a replica lags.
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: REDIS_URL switches both to Redis; without it everything stays in-process. At scale the two
# roles go to separate Redis servers (deploy/README.md "Scale-out"): REDIS_CACHE_URL for the cache (may evict,
# needs no persistence) and CELERY_BROKER_URL for the queues, results and beat's lock (must not evict,
# append-only). Each defaults to REDIS_URL.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL", REDIS_URL)
if REDIS_URL:
    # A Redis that is down or unreachable reads as an empty cache (lms_site/cache.py); the short socket
    # timeouts keep one that drops packets from holding a request for seconds.
    CACHES = {
        "default": {
            "BACKEND": "lms_site.cache.ResilientRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # Beat keeps its schedule in Redis behind a lock (celery-redbeat, docs/adr/0023): a second beat started by
    # mistake, or a standby on another host, waits for the lock instead of firing every task a second time.
    # It wakes at least every 5 s to renew the lock; a beat that dies frees it within 30 s.
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
    CELERY_REDBEAT_KEY_PREFIX = "learnwell:beat:"
    CELERY_REDBEAT_LOCK_TIMEOUT = 30
    # Redis calls of the scheduler retry for up to a minute, so a short Redis restart does not stop beat.
    CELERY_REDBEAT_REDIS_OPTIONS = {"retry_period": 60, "socket_connect_timeout": 1, "socket_timeout": 2}
    CELERY_BEAT_MAX_LOOP_INTERVAL = 5
    # Sessions are read from the cache and written through to the database: a signed-in request reads no
    # session row. With Redis down a read misses and falls through to the database (ADR 0022); a write or a
    # delete Redis did not receive is repeated as a delete once it answers (lms_site/cache.py).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Sessions in the database only: each process has a local-memory cache of its own, so with several
    # processes (gunicorn's workers) one would keep reading a session another has changed or ended.
    # settings/dev.py and test.py, one process each, cache them.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Nothing reads task results. Left on, every publish from a web process would also subscribe to the result
# on Redis, and with Redis down that retries for about 20 seconds before failing. A caller that wants a
# result asks for it with ignore_result=False.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves the message for another one
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_IMPORTS = ["lms_site.beat"]  # lms_site is not an installed app, so autodiscovery misses it

# Three queues, one worker per queue (deploy/README.md "Workers and queues"): a burst of PDF builds never
# delays a password-reset e-mail, and only the documents worker loads ReportLab, openpyxl, python-docx and
# pandas. Every project task is routed here by name; lms_site/tests/test_celery_config.py fails for a task
# that has no decision.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_QUEUE_DOCUMENTS = [
    "certificates.tasks.build_certificate_pdf",
    "billing.tasks.send_receipt",  # draws the receipt PDF, then queues the e-mail
    "analytics.tasks.build_export",
]
CELERY_QUEUE_EMAIL = [
    "accounts.tasks.send_account_email",
    "scheduling.tasks.notify_session_cancelled",
    "scheduling.tasks.notify_booked",
    "scheduling.tasks.notify_promoted",
    "scheduling.tasks.send_session_reminders",
    "analytics.tasks.send_weekly_summary",
    "organisations.tasks.send_assignment_reminders",
]
CELERY_QUEUE_DEFAULT = [
    "lms_site.publish_scheduled_pages",
    "lms_site.send_unqueued_tasks",
    "assessments.tasks.submit_expired_attempts",
    "assessments.tasks.regrade_assessment_task",
    "certificates.tasks.issue_certificate",  # the row; the PDF is a separate documents task
    "certificates.tasks.issue_missing_certificates",
    "scheduling.tasks.refresh_attendance_progress",
    "media_pipeline.tasks.push_video_asset",
    "learning.tasks.recompute_course_progress",
    "analytics.tasks.delete_expired_exports",
    "gamification.tasks.reward_lesson_completion",
    "gamification.tasks.reward_course_completion",
    "gamification.tasks.reward_attempt",
    "gamification.tasks.reverse_refunded_course",
    "gamification.tasks.award_badge_to_qualifying",
    "gamification.tasks.reward_session_attendance",
    "organisations.tasks.recertify_members",  # re-assigns; its e-mails go through send_account_email
    "webhooks.tasks.deliver_webhook",  # one POST, at most 10 s
    "webhooks.tasks.send_due_webhooks",  # beat's sweep: queues the retries that are due
    "xapi.tasks.send_statements",  # batches of statements to the LRS, after a commit and from beat every minute
    "lti.tasks.post_lti_score",  # a token request and one score POST to an LTI platform, 10 s each at most
]
CELERY_TASK_ROUTES = {
    **{name: {"queue": "default"} for name in CELERY_QUEUE_DEFAULT},
    **{name: {"queue": "documents"} for name in CELERY_QUEUE_DOCUMENTS},
    **{name: {"queue": "email"} for name in CELERY_QUEUE_EMAIL},
}

# Time limits: the soft one raises SoftTimeLimitExceeded inside the task (its retry or failure path runs),
# the hard one kills the worker child. Defaults fit a task that loads a few rows and calls a service; the
# ones below walk every enrollment, attempt or page of a course, or draw a document, and get more room.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TASK_LIMITS = {
    # (soft, hard) seconds
    "analytics.tasks.build_export": (15 * 60, 16 * 60),  # a whole-site report in DOCX/PDF
    "analytics.tasks.send_weekly_summary": (5 * 60, 6 * 60),  # builds the site-wide KPI report
    "assessments.tasks.regrade_assessment_task": (30 * 60, 31 * 60),  # every submitted attempt of an assessment
    "learning.tasks.recompute_course_progress": (10 * 60, 11 * 60),  # every enrollment of a course
    "gamification.tasks.award_badge_to_qualifying": (10 * 60, 11 * 60),  # every learner who qualifies
    "certificates.tasks.build_certificate_pdf": (2 * 60, 3 * 60),
    "certificates.tasks.issue_missing_certificates": (2 * 60, 3 * 60),
    "billing.tasks.send_receipt": (2 * 60, 3 * 60),
    "media_pipeline.tasks.push_video_asset": (30 * 60, 31 * 60),  # uploads a video file to the CDN
    "scheduling.tasks.send_session_reminders": (4 * 60, 4 * 60 + 30),  # beat runs it every 5 minutes
    "scheduling.tasks.notify_session_cancelled": (3 * 60, 4 * 60),  # every booking of a session
    "organisations.tasks.send_assignment_reminders": (10 * 60, 11 * 60),  # every assignment due soon or late
    "lms_site.publish_scheduled_pages": (50, 55),  # beat runs it every minute
    "lms_site.send_unqueued_tasks": (50, 55),
    "assessments.tasks.submit_expired_attempts": (50, 55),
    "webhooks.tasks.deliver_webhook": (30, 40),  # a 10 s POST and two short transactions
    "webhooks.tasks.send_due_webhooks": (50, 55),  # beat runs it every minute
    "xapi.tasks.send_statements": (50, 55),  # beat runs it every minute; stops at the first failing batch
    "lti.tasks.post_lti_score": (30, 40),  # two 10 s requests to the platform
}
# Annotations set the limits on the task classes, in the worker and wherever else the app is loaded.
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": soft, "time_limit": hard} for name, (soft, hard) in CELERY_TASK_LIMITS.items()
}

# With acks_late, Redis hands an unacknowledged message to another worker after the visibility timeout;
# a task delayed by a countdown or retry backoff is such a message, so the timeout must exceed the longest
# delay in use (retry backoff is capped at Celery's retry_backoff_max, 600 s; media_pipeline waits at most
# 480 s) and the longest hard time limit, or the task would run twice. Tested in test_celery_config.py.
#
# Publishing gives up fast, and the message goes to the outbox (lms_site/outbox.py) instead of holding the
# request: a Redis that is down refuses in milliseconds, one that accepts connections but does not answer
# costs about half a second (lms_site/tests/test_outbox.py). The timeouts are those of the cache; workers
# are not slowed by them, since they wait for messages with BRPOP, which Redis answers within a second.
# One retry survives a pooled connection that a Redis restart closed.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_BEAT_SCHEDULE = {
    # Webhook retries (1, 2, 4 ... minutes after a failure) and deliveries whose first task was lost.
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # xAPI statements: retries (1, 2, 4 ... minutes after a failure) and statements whose first task was lost.
    "send-xapi-statements": {
        "task": "xapi.tasks.send_statements",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "publish-scheduled-pages": {
        "task": "lms_site.publish_scheduled_pages",
        "schedule": 60.0,
        "options": {"expires": 50},  # a tick nobody ran within the minute is dropped, not queued
    },
    "submit-expired-attempts": {
        "task": "assessments.tasks.submit_expired_attempts",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Publishes the task messages the broker refused while it was down (lms_site/outbox.py).
    "send-unqueued-tasks": {
        "task": "lms_site.send_unqueued_tasks",
        # OUTBOX_SWEEP_SECONDS shortens it where waiting a minute costs (the production smoke test).
        "schedule": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "60")),
        "options": {"expires": 50},
    },
    # Catches completions whose issuing task was lost (e.g. the broker was down at commit time).
    "issue-missing-certificates": {
        "task": "certificates.tasks.issue_missing_certificates",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    # Reminders 24 h and 1 h before booked live sessions; each booking's reminder is claimed once.
    "send-session-reminders": {
        "task": "scheduling.tasks.send_session_reminders",
        "schedule": 300.0,
        "options": {"expires": 280},
    },
    # Assigned courses: a reminder ORGANISATIONS_REMINDER_DAYS before the due date and one once it has passed;
    # each claimed on its assignment, so a second run the same day sends nothing.
    "send-assignment-reminders": {
        "task": "organisations.tasks.send_assignment_reminders",
        "schedule": crontab(minute=0, hour=7),
        "options": {"expires": 6 * 60 * 60},
    },
    # Export files are private and short-lived: removed once they expire (ANALYTICS_EXPORT_FILE_MAX_AGE).
    "delete-expired-exports": {
        "task": "analytics.tasks.delete_expired_exports",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Monday morning: last week's figures to the admins, when ANALYTICS_WEEKLY_SUMMARY is on; claimed per week.
    "send-weekly-analytics-summary": {
        "task": "analytics.tasks.send_weekly_summary",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
        "options": {"expires": 6 * 60 * 60},
    },
    # --- Recertification: daily, members' expiring certificates warned and their courses assigned again, once
    # per certificate (organisations/recertification.py). A missed day is caught up by the next run.
    "recertify-members": {
        "task": "organisations.tasks.recertify_members",
        "schedule": crontab(minute=30, hour=5),
        "options": {"expires": 12 * 60 * 60},
    },
    # --- end of recertification
}

# Logging: one line per record on stderr, with the request id (lms_site/request_id.py); JSON lines with
# LOG_FORMAT=json, which production defaults to. Celery's worker and beat use this too (lms_site/celery.py).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = logging_config(os.environ.get("LOG_FORMAT", "text"), LOG_LEVEL)

# Visitors' pages (home, landing, catalogue, course) kept whole in the cache this long, and shared caches
# (nginx, a CDN) told the same with s-maxage; every publish or change they show empties them sooner
# (lms_site/page_cache.py, ADR 0027). 0 turns the cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
PAGE_CACHE_KEY_PREFIX = "pages"
# How long nginx's micro-cache may keep such a page (X-Accel-Expires): nginx is not purged on publish, so an
# edit shows there after at most this many seconds. 0 leaves nginx out.
PAGE_CACHE_PROXY_SECONDS = int(os.environ.get("PAGE_CACHE_PROXY_SECONDS", "5"))
# wagtail.contrib.frontend_cache: with FRONTEND_CACHE_PURGE_URL (e.g. a Varnish or a CDN's purge endpoint;
# the stack's nginx keeps pages only PAGE_CACHE_PROXY_SECONDS and needs none) a published or unpublished
# page's URL is sent there as an HTTP PURGE. Unset, nothing is purged and shared caches keep a page until its
# s-maxage runs out.
FRONTEND_CACHE_PURGE_URL = os.environ.get("FRONTEND_CACHE_PURGE_URL", "")
WAGTAILFRONTENDCACHE: dict[str, dict[str, Any]] = {}
if FRONTEND_CACHE_PURGE_URL:
    WAGTAILFRONTENDCACHE["default"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": FRONTEND_CACHE_PURGE_URL,
    }

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailOrUsernameBackend", "accounts.sso.OpenIdConnectBackend"]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "/"
# Where each role lands after signing in without a safe `next` (accounts.views.SignInView): learners on their
# dashboard, trainers and admins on the trainer home, which lists what waits for them.
LOGIN_REDIRECT_URLS_BY_ROLE = {
    "learner": "learning:dashboard",
    "trainer": "learning:teaching",
    "admin": "learning:teaching",
}
LOGOUT_REDIRECT_URL = "/"
WAGTAILADMIN_LOGIN_URL = "accounts:sign_in"

# Single sign-on with an OpenID Connect provider (accounts/sso.py, ADR 0032): on when an issuer and a client are
# set. The provider's endpoints come from its discovery document; the flow uses PKCE (S256) and a nonce.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "single sign-on")  # "Sign in with <this>"
OIDC_CREATE_USERS = env_bool("OIDC_CREATE_USERS", True)  # a first sign-in makes a learner's account
OIDC_REQUIRE_VERIFIED_EMAIL = env_bool("OIDC_REQUIRE_VERIFIED_EMAIL", True)
# The claim that names a person's groups or roles, and which of its values make a trainer or an admin, as
# "trainer=lms-trainers,admin=lms-admins". Unset: roles are managed in Learnwell only.
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "")
OIDC_ROLE_VALUES: dict[str, set[str]] = {}
for _pair in env_list("OIDC_ROLE_VALUES"):
    _role, _, _value = (part.strip() for part in _pair.partition("="))
    if _role not in ("learner", "trainer", "admin") or not _value:
        raise ImproperlyConfigured(f"OIDC_ROLE_VALUES: {_pair!r} is not role=value, role learner, trainer or admin.")
    OIDC_ROLE_VALUES.setdefault(_role, set()).add(_value)
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = 5
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Throttling (accounts/throttling.py): scope -> (attempts, seconds). Blocked clients wait until the window
# ends, so a cool-down never lasts longer than its window. Failed sign-ins count per account + address (an
# attacker elsewhere cannot lock the real user out) and per address; sign-ups and reset requests per address.
# Requests per token and window (seconds) for the REST API (api/auth.py), on the cache like sign-in throttling.
API_RATE_LIMIT = (int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "120")), 60)
# Outbound webhooks (webhooks/services.py) may be sent to private, loopback and link-local addresses only when
# this is on: otherwise an admin could make the server POST into its own network. On in dev and test settings,
# whose receivers run on 127.0.0.1.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
# xAPI (xapi/services.py): learning events go to this Learning Record Store as xAPI 1.0.3 statements, with HTTP
# Basic auth from the key and secret. Off (nothing recorded) while the endpoint is empty. E.g.
# https://lrs.example/xapi/ (statements are POSTed to <endpoint>statements), in batches of XAPI_BATCH_SIZE.
XAPI_LRS_ENDPOINT = os.environ.get("XAPI_LRS_ENDPOINT", "")
XAPI_LRS_KEY = os.environ.get("XAPI_LRS_KEY", "")
XAPI_LRS_SECRET = os.environ.get("XAPI_LRS_SECRET", "")
XAPI_BATCH_SIZE = int(os.environ.get("XAPI_BATCH_SIZE", "50"))

ACCOUNTS_THROTTLE = {
    "sign_in_account": (5, 5 * 60),
    "sign_in_address": (30, 5 * 60),
    "sign_up_address": (10, 10 * 60),
    "password_reset_address": (5, 10 * 60),
}
# How many proxies in front of Django append to X-Forwarded-For (nginx in deploy/: 1; a load balancer in
# front of nginx: 2). 0 trusts only REMOTE_ADDR. Never more than really exist: clients write that header too.
ACCOUNTS_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# E-mail: console unless an SMTP host is configured; EMAIL_BACKEND overrides both.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Learnwell <no-reply@learnwell.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", EMAIL_BACKEND)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))

# Internationalisation (lms_site/i18n.py, docs/adr/0037). English is the source language, without a URL prefix;
# the others are served under /de/ and /ar/. Names are in their own language, as the switcher shows them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = "lms_site.formats"  # dates per language, with the project's named formats
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static and media files
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Where files live (lms_site/settings/files.py): the local disk by default, one bucket per site when
# AWS_STORAGE_BUCKET_NAME is set. Private stores sit under PRIVATE_ROOT, outside MEDIA_ROOT, and leave only
# through the views that check who may have them (lms_site/files.py); each may be moved by its own variable
# (MEDIA_PRIVATE_ROOT, CERTIFICATES_ROOT, EXPORTS_ROOT, RECEIPTS_ROOT, DOCUMENTS_ROOT).
PRIVATE_ROOT = files.private_root(os.environ, base_dir=BASE_DIR)
STORAGES: dict[str, dict[str, Any]] = files.storages_from_env(os.environ, base_dir=BASE_DIR)
# Who sends private files from the local disk: Django itself (the default), or nginx when
# PRIVATE_FILES_SENT_BY=nginx (django-sendfile2's X-Accel-Redirect to the internal location SENDFILE_URL,
# which nginx maps onto SENDFILE_ROOT; deploy/README.md "Private files").
SENDFILE_BACKEND = files.sendfile_backend(os.environ)
SENDFILE_ROOT = str(PRIVATE_ROOT)
SENDFILE_URL = "/_private/"
# How long a signed bucket URL for a private file works: enough to start a download, too short to pass
# around. Videos use MEDIA_SIGNED_URL_SECONDS instead, since the player keeps fetching while a lesson plays.
PRIVATE_FILES_SIGNED_URL_SECONDS = 5 * 60
# Documents always go through the serve view (lms_site/documents.py), which checks their collection's
# privacy, never straight to a storage URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Wagtail's page editor posts many fields for long StreamFields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Learnwell"
# Pages have a locale and translations (wagtail-localize); the original, in LANGUAGE_CODE, is the course that
# learners enrol in, whatever language they read it in (lms_site/translated_pages.py, docs/adr/0038).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Wagtail's database backend behind a guard that reduces every query to plain words (see lms_site/search_backend.py).
WAGTAILSEARCH_BACKENDS: dict[str, dict[str, Any]] = {"default": {"BACKEND": "lms_site.search_backend"}}
# With several web hosts and a large catalogue, search moves to OpenSearch (deploy/README.md "Scale-out"):
# OPENSEARCH_URL selects Wagtail's OpenSearch 2 backend (needs `pip install opensearch-py`; run
# `manage.py update_index` once). It sends the words as a match query, which has no operator syntax to break.
OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "")
if OPENSEARCH_URL:
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends.opensearch2",
        "URLS": [OPENSEARCH_URL],
        "INDEX_PREFIX": os.environ.get("OPENSEARCH_INDEX_PREFIX", "learnwell_"),
        "TIMEOUT": 5,
    }
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_USER_CUSTOM_FIELDS = ["role", "is_banned"]

LMS_DEFAULT_CURRENCY = os.environ.get("LMS_DEFAULT_CURRENCY", "EUR")
LMS_CATALOGUE_PAGE_SIZE = 12

# Payments: Stripe when STRIPE_SECRET_KEY is set; otherwise the local simulator (never in production).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # only to point the SDK at a fake server in tests
STRIPE_WEBHOOK_TOLERANCE = 300  # seconds; Stripe's own default for signed timestamps
BILLING_SIMULATOR_ENABLED = not STRIPE_SECRET_KEY
STRIPE_WEBHOOK_SECRET = os.environ.get(
    "STRIPE_WEBHOOK_SECRET", "" if STRIPE_SECRET_KEY else "whsec_local_simulator_development_only"
)

# Media: ImageKit when IMAGEKIT_PRIVATE_KEY and IMAGEKIT_URL_ENDPOINT are set, local private storage otherwise.
IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")
IMAGEKIT_URL_ENDPOINT = os.environ.get("IMAGEKIT_URL_ENDPOINT", "")  # e.g. https://ik.imagekit.io/your_id
IMAGEKIT_API_BASE = os.environ.get("IMAGEKIT_API_BASE", "")  # only to point the SDK at a fake server in tests
IMAGEKIT_FOLDER = os.environ.get("IMAGEKIT_FOLDER", "/learnwell/videos")
MEDIA_VIDEO_MAX_BYTES = int(os.environ.get("MEDIA_VIDEO_MAX_BYTES", str(500 * 1024**2)))  # under nginx's 512m
MEDIA_CAPTIONS_MAX_BYTES = 2 * 1024**2
MEDIA_SIGNED_URL_SECONDS = 4 * 60 * 60  # long enough to watch a long lesson without the source expiring

# Certificates: the key that signs them (falls back to SECRET_KEY; set it so SECRET_KEY can rotate without
# invalidating every certificate) and how long a download link works.
CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
CERTIFICATE_DOWNLOAD_LINK_MAX_AGE = 60 * 60
CERTIFICATE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Analytics exports: a download link works for an hour, the file itself is deleted a day after it was built.
ANALYTICS_EXPORT_LINK_MAX_AGE = 60 * 60
ANALYTICS_EXPORT_FILE_MAX_AGE = 24 * 60 * 60
# The weekly summary e-mail of last week's KPIs to every active admin (Monday morning, UTC). Off unless set.
ANALYTICS_WEEKLY_SUMMARY = env_bool("ANALYTICS_WEEKLY_SUMMARY", False)

# Organisations: members are reminded of an assigned course this many days before its due date.
ORGANISATIONS_REMINDER_DAYS = int(os.environ.get("ORGANISATIONS_REMINDER_DAYS", "3"))

# The Ed25519 key that signs Open Badges 3.0 credentials (PEM, or base64 of the raw 32 bytes). Unset, it is
# derived from the certificate signing key; production should set its own (see certificates/openbadges.py).
OPENBADGES_ED25519_PRIVATE_KEY = os.environ.get("OPENBADGES_ED25519_PRIVATE_KEY", "")


def require_secret_key(key: str) -> str:
    if len(key) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters.")
    return key


FORM_RENDERER = "lms_site.forms.SiteFormRenderer"

# No Gravatar: it leaks learners' e-mail hashes to a third party and fails offline.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Content-Security-Policy (lms_site/csp.py), enforced everywhere. The site's pages load scripts and styles
# from this origin only: no inline <script>, no style= and no on*= handlers in templates
# (lms_site/tests/test_csp.py checks). Other hosts come in only where a feature needs them.
_imagekit = urlsplit(IMAGEKIT_URL_ENDPOINT)  # posters, videos and captions come from the CDN
_IMAGEKIT_ORIGIN = f"{_imagekit.scheme}://{_imagekit.netloc}" if _imagekit.scheme and _imagekit.netloc else ""
# Lesson blocks that link media elsewhere: the plain video block (a direct MP4/WebM link) and embeds
# (YouTube and Vimeo by default). Hosts not listed here are refused by the browser.
CSP_MEDIA_HOSTS = env_list("CSP_MEDIA_HOSTS")
# Bucket mode: images from the bucket or its CDN, videos through a redirect to a signed bucket URL.
_STORAGE_ORIGINS = files.storage_origins(os.environ)
CSP_FRAME_HOSTS = env_list(
    "CSP_FRAME_HOSTS", "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *filter(None, [_IMAGEKIT_ORIGIN]), *_STORAGE_ORIGINS],
        "media-src": [SELF, *filter(None, [_IMAGEKIT_ORIGIN]), *_STORAGE_ORIGINS, *CSP_MEDIA_HOSTS],
        "connect-src": [SELF],
        # 'self': SCORM packages play in a sandboxed frame served by this site (scorm/views.py).
        "frame-src": [SELF, *CSP_FRAME_HOSTS],
        "frame-ancestors": [NONE],  # 'self' where X-Frame-Options says SAMEORIGIN (Wagtail's preview)
        # Buying a course posts to this site, which redirects to Stripe Checkout; Chromium checks that
        # redirect against form-action too.
        "form-action": [SELF, *(["https://checkout.stripe.com"] if STRIPE_SECRET_KEY else [])],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Wagtail's admin renders inline scripts (date pickers, inline panels) and inline styles of its own, the
# image chooser previews uploads from blob: URLs, the editor frames its own preview, and the dashboard asks
# releases.wagtail.org for the latest version. Everything else stays as strict as the site's.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [*CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"], "blob:"],
        "frame-src": [SELF, *CSP_FRAME_HOSTS],
        "connect-src": [SELF, "https://releases.wagtail.org"],
    }
}
