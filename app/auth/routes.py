from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import ChangePasswordForm, LocaleForm, LoginForm
from app.forms import apply_error, form_status
from app.htmx import render
from app.services import accounts
from app.services.errors import ValidationFailed
from app.throttle import count_refused_password, password_guesses


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything with a scheme, a host or a protocol-relative // goes home."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    unsafe = any(ord(char) < 0x20 for char in target) or target.startswith(("//", "/\\"))
    if parts.scheme or parts.netloc or not target.startswith("/") or unsafe:
        return url_for("main.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@password_guesses
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except accounts.LoginFailed as error:
            count_refused_password()
            form.form_errors.append(error.message)
        else:
            session.clear()  # a fresh session on login: no fixation
            accounts.start_session(user, request.user_agent.string)
            login_user(user)
            return redirect(safe_next(form.next.data), 303)
    return render("auth/login.html", status=form_status(form), form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends this device's session: a copy of its cookie stops working too; other devices stay logged in."""
    if current_user.is_authenticated:
        accounts.end_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Ends every session of the user, on every device (a lost tablet, a shared computer), this one too."""
    accounts.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@password_guesses
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_own_password(user, form.current_password.data, form.new_password.data)
        except ValidationFailed as error:
            if any(field == "current_password" for field, _message in error.problems):
                count_refused_password()
            apply_error(form, error)
        else:
            flash(_("Your password has been changed. Your other devices have been logged out."), "success")
            return redirect(url_for("main.index"), 303)
    return render("auth/password.html", status=form_status(form), form=form,
                  sessions=accounts.live_sessions(current_user))


@bp.route("/locale", methods=["POST"])
def locale():
    """Switch the interface language: stored on the user, or in the session before login."""
    form = LocaleForm()
    if form.validate_on_submit() and form.locale.data in ("vi", "en"):
        if current_user.is_authenticated:
            accounts.set_locale(current_user, form.locale.data)
        else:
            session["locale"] = form.locale.data
    return redirect(safe_next(form.next.data), 303)
