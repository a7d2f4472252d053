from flask_login import current_user, login_required

from app import clock
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
