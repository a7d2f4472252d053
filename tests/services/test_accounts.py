"""Login and account rules, without HTTP."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, User, UserSession
from app.models.base import utcnow
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


def sessions_of(user):
    return db.session.scalars(sa.select(UserSession.token).where(UserSession.user_id == user.id)).all()


def log_in(user, user_agent="test"):
    """A login on another device: the token its cookie would name."""
    return accounts.start_session(user, user_agent).token


def test_each_login_gets_its_own_random_token(app):
    user = make_user()
    office, tablet = log_in(user), log_in(user)
    assert office != tablet and len(office) >= 32 and len(tablet) >= 32
    assert accounts.user_for_session(office) == user and accounts.user_for_session(tablet) == user
    assert accounts.user_for_session(office).get_id() == office  # the cookie names the session, not the user


def test_logout_ends_this_session_only(app):
    user = make_user()
    office, tablet = log_in(user), log_in(user)
    accounts.end_session(accounts.user_for_session(office))
    assert accounts.user_for_session(office) is None
    assert accounts.user_for_session(tablet) == user


def test_log_out_everywhere_ends_every_session(app):
    user, other = make_user(), make_user()
    office, tablet, elsewhere = log_in(user), log_in(user), log_in(other)
    accounts.end_all_sessions(accounts.user_for_session(office))
    assert accounts.user_for_session(office) is None and accounts.user_for_session(tablet) is None
    assert accounts.user_for_session(elsewhere) == other


def test_password_change_ends_the_other_sessions_but_this_one(app):
    user = make_user()
    office, tablet = log_in(user), log_in(user)
    accounts.change_own_password(accounts.user_for_session(office), PASSWORD, "another-pass-1")
    assert sessions_of(user) == [office]


def test_admin_reset_and_deactivation_end_every_session(app):
    admin, user = make_user(Role.ADMIN), make_user()
    admin_token = log_in(admin)
    log_in(user)
    log_in(user)
    accounts.reset_password(accounts.user_for_session(admin_token), user, "reset-pass-1")
    assert sessions_of(user) == []
    log_in(user, "again")
    accounts.update_user(accounts.user_for_session(admin_token), user, active=False)
    assert sessions_of(user) == [] and sessions_of(admin) == [admin_token]


def test_an_administrator_resetting_their_own_password_keeps_this_session(app):
    admin = make_user(Role.ADMIN)
    office, tablet = log_in(admin), log_in(admin)
    actor = accounts.user_for_session(office)
    accounts.reset_password(actor, actor, "reset-pass-1")
    assert sessions_of(admin) == [office]


def test_unknown_expired_and_inactive_sessions_load_nobody(app):
    user = make_user()
    token = log_in(user)
    assert accounts.user_for_session("not-a-token") is None
    db.session.execute(sa.update(UserSession).values(
        last_seen_at=utcnow() - app.permanent_session_lifetime - timedelta(seconds=1)))
    db.session.commit()
    assert accounts.user_for_session(token) is None
    log_in(user)  # a login deletes expired sessions
    assert token not in sessions_of(user)
    fresh = sessions_of(user)[0]
    db.session.execute(sa.update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    assert accounts.user_for_session(fresh) is None


def test_last_seen_is_written_every_few_minutes_not_on_every_request(app):
    user = make_user()
    token = log_in(user)
    earlier = utcnow() - accounts.SEEN_EVERY + timedelta(seconds=30)
    db.session.execute(sa.update(UserSession).values(last_seen_at=earlier))
    db.session.commit()
    assert accounts.user_for_session(token).login_session.last_seen_at == earlier
    db.session.execute(sa.update(UserSession).values(last_seen_at=earlier - timedelta(minutes=1)))
    db.session.commit()
    assert accounts.user_for_session(token).login_session.last_seen_at > earlier


def test_live_sessions_lists_the_users_own_most_recent_first(app):
    user, other = make_user(), make_user()
    office = log_in(user, "office")
    log_in(other, "someone else's")
    db.session.execute(sa.update(UserSession).where(UserSession.token == office).values(
        last_seen_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    log_in(user, "tablet")
    assert [device.user_agent for device in accounts.live_sessions(user)] == ["tablet", "office"]


def test_unit_head_must_have_a_unit(app):
    with pytest.raises(ValidationFailed) as error:
        accounts.create_user(None, "long-enough", username="x", full_name="X", role=Role.UNIT_HEAD)
    assert error.value.field == "unit_id"


def test_unit_head_with_unit_is_created(app):
    unit = make_unit()
    user = accounts.create_user(None, "long-enough", username="X", full_name="X", role=Role.UNIT_HEAD,
                                unit_id=unit.id)
    assert user.username == "x" and user.unit == unit
