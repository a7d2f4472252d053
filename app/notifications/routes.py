from flask import abort, flash, g, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from app.forms import db_int, paginate
from app.htmx import is_htmx, render
from app.notifications import bp
from app.notifications.links import link_url
from app.services.notifications import mark_all_read, mark_read, notifications_for


def _page():
    return paginate(notifications_for(current_user))


@bp.route("/")
def index():
    """The user's notifications, newest first; an htmx request gets the list alone."""
    return render("notifications/index.html", "notifications/_list.html", page=_page())


@bp.post("/<int:notification_id>/open")
def open_notification(notification_id: int):
    """Mark it read and go where it points (a form post, so the change carries a CSRF token)."""
    notification = mark_read(current_user, notification_id)
    if notification is None:
        abort(404)
    return redirect(link_url(notification.endpoint, notification.link_values), 303)


@bp.post("/<int:notification_id>/read")
def read(notification_id: int):
    notification = mark_read(current_user, notification_id)
    if notification is None:
        abort(404)
    if is_htmx():
        g.pop("unread_notifications", None)  # counted again after the change, for the bell
        return render("notifications/_item_response.html", notification=notification)
    return redirect(url_for("notifications.index", page=request.args.get("page", type=db_int)), 303)


@bp.post("/read-all")
def read_all():
    marked = mark_all_read(current_user)
    if marked:
        flash(ngettext("%(num)d notification marked read.", "%(num)d notifications marked read.", marked),
              "success")
    if is_htmx():
        g.pop("unread_notifications", None)
        return render("notifications/index.html", "notifications/_list.html", page=_page(), bell_oob=True)
    return redirect(url_for("notifications.index", page=request.args.get("page", type=db_int)), 303)
