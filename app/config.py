"""Configuration classes. Order of precedence (last wins): class → instance/config.py → env vars."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


class Config:
    SQLALCHEMY_DATABASE_URI = "sqlite:///kiemtra.sqlite"  # relative: lands in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {}  # PostgreSQL's connections are checked before use (app.configure)
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # A CSRF token lives as long as the session: an inspector may keep a form open all day.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Refused passwords allowed per client address and account, and per address over all accounts,
    # within LOGIN_LOCK_MINUTES (app/throttle.py). No account is ever locked for everyone.
    LOGIN_MAX_FAILURES = 5
    LOGIN_ADDRESS_MAX_FAILURES = 50
    LOGIN_LOCK_MINUTES = 15
    # Requests with files per user (photos, PDFs, scans); generous for a tablet's offline replay.
    UPLOAD_RATE_LIMIT = "120 per minute"
    # Flask-Limiter: memory counts per worker process; a redis://host:6379/0 URL counts for all of them.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "kiemtra"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on every 429
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 8
    PER_PAGE = 50
    # Drawn checklist pages kept per worker (app/inspections/drawn.py), in characters: about 80 of 120 items.
    CHECKLIST_CACHE_BYTES = 32 * 1024 * 1024
    # Dashboard figures kept per process while nothing changed (app/services/reports.py); 0 computes each time.
    REPORTS_KEEP = 16
    # Evidence (app/services/evidence.py): the largest file accepted, the long side of a stored photo in
    # pixels, and the most pixels a source photo may have (checked from its header, before decoding).
    EVIDENCE_MAX_BYTES = 15 * 1024 * 1024
    EVIDENCE_MAX_PIXELS = 2000
    EVIDENCE_MAX_SOURCE_PIXELS = 50_000_000
    # Where evidence files are kept (app/storage.py): empty for instance/uploads, a folder, or
    # s3://bucket/prefix with S3_ENDPOINT_URL for a server other than AWS (MinIO, SeaweedFS, Ceph).
    STORAGE_URL = ""
    S3_ENDPOINT_URL = ""
    # Folders searched for the documents' Times New Roman (app/documents/output.py); empty: the usual places.
    DOCUMENT_FONT_DIRS = ()
    # Findings: days from issuing to the proposed due date, per severity (editable on each finding);
    # "due soon" highlighting, and the reminder sent this many days before the due date.
    FINDING_DUE_DAYS = {"minor": 60, "serious": 30, "very_serious": 15}
    FINDING_DUE_SOON_DAYS = 7
    FINDING_REMIND_DAYS = 3
    # The CCHC index: a field or sub-criterion below this share of its maximum proposes a remediation
    # item for its unit (task 1.4 of directive 517). FLASK_REMEDIATION_THRESHOLD=0.75 sets another.
    REMEDIATION_THRESHOLD = 0.8
    # Email: the daily digest of `flask send-reminders`. No MAIL_SERVER: in-app notifications only.
    MAIL_SERVER = ""
    MAIL_PORT = None  # None: 465 with MAIL_USE_SSL, 587 with MAIL_USE_TLS, else 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the first byte (SMTPS)
    MAIL_USERNAME = ""  # no login when empty
    MAIL_PASSWORD = ""
    MAIL_FROM = ""  # e.g. "Kiểm Tra <kiemtra@snv.kontum.gov.vn>"
    MAIL_TIMEOUT = 30  # seconds per SMTP operation
    # Where users reach the app, for the links in emails (no trailing slash): https://kiemtra.example.gov.vn
    APP_BASE_URL = ""
    # Reverse proxies trusted for X-Forwarded-For/-Proto/-Host/-Port/-Prefix (Werkzeug's ProxyFix);
    # 0 trusts none. Production trusts one proxy for the client address and the scheme.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0
    # Strict-Transport-Security on HTTPS responses, in seconds (0: not sent).
    HSTS_SECONDS = 0
    # Where htmx comes from when app/static/vendor/htmx.min.js is missing.
    HTMX_CDN_URL = "https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js"
    HTMX_CDN_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"

    @classmethod
    def init_app(cls, app):
        """Hook for settings that need the app (instance path, secrets)."""


class DevelopmentConfig(Config):
    DEBUG = True

    @classmethod
    def init_app(cls, app):
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    # Tests create many users; the slow production hash would only cost time here.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PROXY_FIX_X_FOR = 1
    PROXY_FIX_X_PROTO = 1
    HSTS_SECONDS = 365 * 24 * 3600

    @classmethod
    def init_app(cls, app):
        key = app.config.get("SECRET_KEY")
        if not key or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(environment variable FLASK_SECRET_KEY or instance/config.py)."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """KIEMTRA_ENV picks the class; development is the default for a local checkout."""
    return CONFIGS[os.environ.get("KIEMTRA_ENV", "development")]


def _instance_secret(instance: Path) -> str:
    """Make a secret on first run and keep it, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
