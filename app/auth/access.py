"""Role checks shared by the blueprints: one guard per blueprint, one decorator for stricter routes."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def require_roles(*roles):
    """A `before_request` guard: log in first, then 403 unless the user has one of `roles`."""

    @login_required
    def guard():
        # login_required lets OPTIONS through: an anonymous user has no role.
        if not current_user.is_authenticated or current_user.role not in roles:
            abort(403)

    return guard


def roles_required(*roles):
    """A view decorator for routes stricter than their blueprint's guard."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
