"""Login and account rules, without HTTP."""
import pytest

from app.models import Role
from app.services import accounts
from app.services.errors import ValidationFailed
from tests.factories import PASSWORD, make_unit, make_user


def test_authenticate_returns_the_user(app):
    user = make_user()
    assert accounts.authenticate(f"  {user.username.upper()} ", PASSWORD) == user


def test_wrong_passwords_never_lock_the_account(app):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(user.username, "wrong")
    assert accounts.authenticate(user.username, PASSWORD) == user


def test_password_change_ends_other_sessions(app):
    user = make_user()
    session_id = user.get_id()
    accounts.change_own_password(user, PASSWORD, "another-pass-1")
    assert user.get_id() != session_id


def test_session_tokens_are_random_and_end_sessions_rotates_them(app):
    first, second = make_user(), make_user()
    assert first.get_id() != second.get_id() and len(first.get_id()) >= 32
    before = first.get_id()
    accounts.end_sessions(first)
    assert first.get_id() != before


def test_unit_head_must_have_a_unit(app):
    with pytest.raises(ValidationFailed) as error:
        accounts.create_user(None, "long-enough", username="x", full_name="X", role=Role.UNIT_HEAD)
    assert error.value.field == "unit_id"


def test_unit_head_with_unit_is_created(app):
    unit = make_unit()
    user = accounts.create_user(None, "long-enough", username="X", full_name="X", role=Role.UNIT_HEAD,
                                unit_id=unit.id)
    assert user.username == "x" and user.unit == unit
