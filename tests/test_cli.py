import sqlalchemy as sa

from app.extensions import db
from app.models import IssuingBody, Role, Unit, User


def test_seed_demo_loads_directive_units_and_accounts(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(sa.select(Unit.name)))
    for name in ("Văn phòng UBND tỉnh", "Sở Nội vụ", "Cục Thuế tỉnh Kon Tum", "Báo Kon Tum",
                 "UBND thành phố Kon Tum", "UBND huyện Ia H'Drai", "UBND huyện Tu Mơ Rông"):
        assert name in names
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    assert users["unithead"].role == Role.UNIT_HEAD and users["unithead"].unit.name == "UBND huyện Đắk Hà"
    assert users["unithead2"].unit.name == "Sở Tư pháp"
    assert users["leader"].unit.name == "Sở Nội vụ"
    assert all(u.check_password("demo12345") for u in users.values())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IssuingBody)) >= 1


def test_seed_demo_is_idempotent(runner):
    runner.invoke(args=["seed-demo"])
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Unit, User, IssuingBody)]
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "0 units" in result.output
    assert counts == [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Unit, User, IssuingBody)]


def test_create_admin(runner):
    result = runner.invoke(args=["create-admin", "boss"], input="long-password-1\nlong-password-1\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.username == "boss")).role == Role.ADMIN


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(args=["create-admin", "boss"], input="short\nshort\n")
    assert result.exit_code != 0 and "8 characters" in result.output
