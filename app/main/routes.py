import sqlalchemy as sa
from flask import current_app
from flask_login import current_user, login_required

from app import clock, storage
from app.extensions import db
from app.htmx import render
from app.main import bp
from app.models import Role
from app.services import home as home_service


@bp.route("/")
@login_required
def index():
    """Each role's starting page: what it may see and do; a unit head's is "Việc cần làm"."""
    if current_user.role == Role.UNIT_HEAD:
        return render("findings/todo.html", **home_service.todo(current_user, clock.local_today()))
    return render("main/index.html", home=home_service.home(current_user, clock.local_today()))


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the database and the file store answer, else 503 naming which did
    not. No login, no data."""
    failed = [name for name, answers in (("database", _database_answers), ("storage", _storage_answers))
              if not answers()]
    body, status = ("ok", 200) if not failed else ("unavailable: " + ", ".join(failed), 503)
    return body, status, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: the database did not answer")
        return False
    return True


def _storage_answers() -> bool:
    try:
        storage.current().check()
    except storage.StorageUnavailable:
        current_app.logger.exception("Health check: the file store did not answer")
        return False
    return True
