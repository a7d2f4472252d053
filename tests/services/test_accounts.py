"""Login and account rules, without HTTP."""
import pytest

from app.models import Role
from app.services import accounts
from app.services.errors import ValidationFailed
from tests.factories import PASSWORD, make_unit, make_user


def test_authenticate_returns_the_user(app):
    user = make_user()
    assert accounts.authenticate(f"  {user.username.upper()} ", PASSWORD) == user


def test_lock_after_the_configured_number_of_failures(app):
    app.config["LOGIN_MAX_FAILURES"] = 2
    user = make_user()
    for _ in range(2):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(user.username, "wrong")
    assert user.locked_until is not None
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(user.username, PASSWORD)


def test_password_change_ends_other_sessions(app):
    user = make_user()
    session_id = user.get_id()
    accounts.change_own_password(user, PASSWORD, "another-pass-1")
    assert user.get_id() != session_id


def test_unit_head_must_have_a_unit(app):
    with pytest.raises(ValidationFailed) as error:
        accounts.create_user(None, "long-enough", username="x", full_name="X", role=Role.UNIT_HEAD)
    assert error.value.field == "unit_id"


def test_unit_head_with_unit_is_created(app):
    unit = make_unit()
    user = accounts.create_user(None, "long-enough", username="X", full_name="X", role=Role.UNIT_HEAD,
                                unit_id=unit.id)
    assert user.username == "x" and user.unit == unit
