"""Directives (văn bản chỉ đạo) and their tasks: the list, a directive's page with its tasks and the
units they are given to, and the forms leaders and administrators write them with. Staff read every
directive; a unit head those that give their unit a task, and only their own unit's items."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("directives", __name__)
bp.before_request(require_roles(*Role))

from app.directives import routes  # noqa: E402,F401
