"""The unit registry's rules, without HTTP."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Role, Unit
from app.services import permissions, units
from app.services.errors import ImportFailed, ValidationFailed
from tests.factories import make_unit, make_user


def test_unit_head_sees_own_unit_and_sub_units_only(app):
    province = make_unit()
    district = make_unit(parent_id=province.id)
    commune = make_unit(parent_id=district.id)
    other = make_unit(parent_id=province.id)
    head = make_user(Role.UNIT_HEAD, unit=district)
    visible = set(db.session.scalars(permissions.units_visible_to(head)))
    assert visible == {district, commune}
    assert other in set(db.session.scalars(permissions.units_visible_to(make_user(Role.LEADER))))


def test_succession_ends_validity_the_day_before(app):
    admin = make_user(Role.ADMIN)
    old, new = make_unit(valid_from=date(2010, 1, 1)), make_unit()
    units.succeed_unit(admin, old, new, date(2025, 7, 1))
    assert (old.valid_to, old.active, old.successor_id) == (date(2025, 6, 30), False, new.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "succeed"))
    assert event.changes["successor_id"] == [None, new.id]


@pytest.mark.parametrize("on_date", [date(2009, 12, 31), date(2010, 1, 1)])
def test_succession_before_the_unit_existed_is_refused(app, on_date):
    old, new = make_unit(valid_from=date(2010, 1, 1)), make_unit()
    with pytest.raises(ValidationFailed):
        units.succeed_unit(make_user(Role.ADMIN), old, new, on_date)


def test_a_unit_is_succeeded_only_once(app):
    admin = make_user(Role.ADMIN)
    old, first, second = make_unit(), make_unit(), make_unit()
    units.succeed_unit(admin, old, first, date(2025, 7, 1))
    with pytest.raises(ValidationFailed):
        units.succeed_unit(admin, old, second, date(2025, 8, 1))


def test_successor_and_predecessor_cannot_be_deleted(app):
    admin = make_user(Role.ADMIN)
    old, new = make_unit(), make_unit()
    units.succeed_unit(admin, old, new, date(2025, 7, 1))
    assert units.has_history(old) and units.has_history(new)
    with pytest.raises(ValidationFailed):
        units.delete_unit(admin, new)


def test_import_counts_only_real_changes(app):
    make_unit(code="A", name="Đơn vị A")
    rows = [units.ImportRow(2, {"code": "A", "name": "Đơn vị A", "kind": "department", "parent_code": ""}),
            units.ImportRow(3, {"code": "B", "name": "Đơn vị B", "kind": "department", "parent_code": "A"})]
    assert units.import_units(make_user(Role.ADMIN), rows) == (1, 0)


def test_import_accepts_english_kind_labels(app):
    rows = [units.ImportRow(2, {"code": "C", "name": "C", "kind": "Commune People's Committee", "parent_code": ""})]
    units.import_units(make_user(Role.ADMIN), rows)
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "C")).kind.value == "commune"


def test_empty_import_is_refused(app):
    with pytest.raises(ImportFailed):
        units.import_units(make_user(Role.ADMIN), [])


def test_successors_never_form_a_circle(app):
    admin = make_user(Role.ADMIN)
    a, b, c = make_unit(), make_unit(), make_unit()
    units.succeed_unit(admin, a, b, date(2025, 7, 1))
    b.successor_id = c.id  # b is taken over by c, c stays active
    db.session.commit()
    with pytest.raises(ValidationFailed):
        units.succeed_unit(admin, c, a, date(2025, 8, 1)) if a.active else units.succeed_unit(
            admin, c, _reactivated(a), date(2025, 8, 1))


def _reactivated(unit):
    unit.active = True  # only possible by hand: the service refuses it
    db.session.commit()
    return unit
