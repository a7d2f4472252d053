"""Error pages in the user's language, as a full page or an htmx fragment."""
import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, limiter
from app.htmx import render
from app.storage import StorageUnavailable

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page or do this action.")),
    404: (_l("Not found"), _l("The page or record you asked for does not exist or is not visible to you.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("File too large"), _l("The file you sent is larger than allowed. Choose a smaller file.")),
    422: (_l("Invalid data"), _l("Some of the data you sent is not valid. Please check and try again.")),
    429: (_l("Too many attempts"), None),
    500: (_l("Server error"), _l("Something went wrong on our side. Your saved work is safe; please try again.")),
    503: (_l("Files cannot be stored right now"),
          _l("The file store is not answering, so the file was not saved. Everything saved before is safe. "
             "Go back and send the file again in a few minutes.")),
}
CSRF_MESSAGE = _l("Your session has expired or the form is out of date. Reload the page and try again.")


def render_error(code: int, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    return render(
        "errors/error.html",
        "errors/_error.html",
        status=code,
        code=code,
        title=title,
        message=message or default_message,
    )


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(429)
    def too_many_requests(error):
        """Flask-Limiter adds Retry-After to this response; the page says the same in minutes."""
        limit = limiter.current_limit
        seconds = limit.reset_at - time.time() if limit else 60
        minutes = max(1, round(seconds / 60))
        return render_error(429, _("Too many attempts. Please try again in %(minutes)d minutes.", minutes=minutes))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code not in MESSAGES:
            return error
        return render_error(error.code)

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        """503: the tablet's outbox keeps the file and sends it again later."""
        db.session.rollback()
        app.logger.error("The file store did not answer: %s", error)
        return render_error(503)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return render_error(500)
