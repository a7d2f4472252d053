"""Kiểm Tra: the application factory."""
import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app import assets, cli, database, errors, formatting
from app.config import config_from_env
from app.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from app.models.base import render_migration_item, utcnow
from app.services import answers


def create_app(config_class=None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    configure(app, config_class or config_from_env(), overrides)
    init_extensions(app)
    register_blueprints(app)

    answers.derive_outcomes_on_flush()
    errors.init_app(app)
    formatting.init_app(app)
    cli.init_app(app)
    init_templates(app)
    return app


def configure(app: Flask, config_class, overrides: dict) -> None:
    app.config.from_object(config_class)
    if not app.config.get("TESTING"):
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_SQLALCHEMY_DATABASE_URI, …
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A database server may have dropped an idle connection (a restart); a SQLite file cannot.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True} | app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_class.init_app(app)


def normalise_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// URLs; we talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations"), render_item=render_migration_item
    )
    csrf.init_app(app)
    compress.init_app(app)  # HTML, CSS and JS over slow links when no proxy compresses them
    assets.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from app import auth  # noqa: F401  (registers the user loader)


def select_locale() -> str | None:
    """The user's language, or the session's before login; None (the default, vi) outside requests."""
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        return current_user.locale
    return session.get("locale")


def register_blueprints(app: Flask) -> None:
    # Imported once the extensions are bound: a blueprint's modules add their routes and hooks on import.
    from app.forms import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the routes that use it are added
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.cchc_index import bp as cchc_index_bp
    from app.checklists import bp as checklists_bp
    from app.directives import bp as directives_bp
    from app.documents import bp as documents_bp
    from app.findings import bp as findings_bp
    from app.follow_ups import bp as follow_ups_bp
    from app.inspections import bp as inspections_bp
    from app.main import bp as main_bp
    from app.notifications import bp as notifications_bp
    from app.offline import bp as offline_bp
    from app.secretariat import bp as secretariat_bp
    from app.reports import bp as reports_bp
    from app.units import bp as units_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(units_bp, url_prefix="/units")
    app.register_blueprint(checklists_bp, url_prefix="/checklists")
    app.register_blueprint(inspections_bp, url_prefix="/inspections")
    app.register_blueprint(findings_bp, url_prefix="/findings")
    app.register_blueprint(directives_bp, url_prefix="/directives")
    app.register_blueprint(cchc_index_bp, url_prefix="/cchc-index")
    app.register_blueprint(follow_ups_bp, url_prefix="/follow-ups")
    app.register_blueprint(documents_bp, url_prefix="/documents")
    app.register_blueprint(secretariat_bp, url_prefix="/secretariat")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(reports_bp, url_prefix="/reports")


def init_templates(app: Flask) -> None:
    # Imported here, as the blueprints are: app.offline.routes belongs to a blueprint package.
    from app import security
    from app.offline.routes import worker_available

    htmx_local = (Path(app.static_folder) / "vendor" / "htmx.min.js").exists()
    security.init_app(app, htmx_local)
    with app.app_context():
        offline_worker = worker_available()
    # Block tags leave no blank lines behind: the checklist page goes out over 3G.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def layout_context():
        from app.main.navigation import navigation_for

        return {
            "htmx_local": htmx_local,
            "offline_worker": offline_worker,
            "current_locale": str(get_locale()),
            "now": utcnow(),
            # A function, so that only full pages (base.html) spend time on the menu, never fragments.
            "navigation": lambda: navigation_for(current_user, request.endpoint),
        }
