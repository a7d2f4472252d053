"""Each unit's kept figures per year stay what a rewrite from the sources gives, whatever changed: a
finding's state or unit, an inspection's date, unit or state, the end of field work, a deletion, two
transactions on the same unit and year at once."""
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    ItemYearFailures,
    ParArea,
    TemplateYearScored,
    UnitYearArea,
    UnitYearFigures,
)
from app.models.unit_figures import refresh
from app.services.findings import move_to_successor
from tests import factories
from tests.conftest import TEST_DATABASE_URL
from tests.threads import in_threads

F, S = FindingStatus, InspectionStatus
TABLES = (UnitYearFigures.__table__, UnitYearArea.__table__, ItemYearFailures.__table__,
          TemplateYearScored.__table__)


def kept() -> dict:
    return {table.name: sorted(tuple(row) for row in db.session.execute(sa.select(table))) for table in TABLES}


def assert_kept_as_rewritten() -> dict:
    """The kept rows equal the rows rewritten from scratch (in a transaction then rolled back)."""
    rows = kept()
    connection = db.session.connection()
    for table in TABLES:
        connection.execute(table.delete())
    refresh(connection)
    assert kept() == rows
    db.session.rollback()
    return rows


def failures(year) -> dict:
    return dict(db.session.execute(sa.select(ItemYearFailures.item_id, ItemYearFailures.failed)
                                   .where(ItemYearFailures.year == year)).all())


def figures(unit, year) -> UnitYearFigures | None:
    db.session.expire_all()
    return db.session.get(UnitYearFigures, (unit.id, year))


@pytest.fixture
def scored(app):
    """A concluded 2025 inspection of a unit with one passed and one failed item, and findings in each state."""
    template = factories.make_template()
    template.sections[0].par_area = ParArea.PROCEDURES
    unit = factories.make_unit(name="UBND xã Đắk Hà")
    inspection = factories.make_inspection(status=S.CONCLUDED, template=template, unit=unit,
                                           planned_start=date(2025, 4, 2), planned_end=date(2025, 4, 3))
    first, second = template.items[:2]
    factories.make_answer(inspection, first)
    factories.make_answer(inspection, second, result="fail")
    findings = {status: factories.make_finding(inspection, status=status) for status in (F.OPEN, F.CLOSED, F.DRAFT)}
    return unit, inspection, findings


def test_the_figures_count_the_inspection_its_score_and_its_issued_findings(scored):
    unit, inspection, _findings = scored
    row = figures(unit, 2025)
    assert (row.planned, row.done, row.scored, row.open, row.closed, row.repeats) == (1, 1, 1, 1, 1, 0)
    assert row.latest_inspection_id == inspection.id and row.latest_possible > row.latest_earned > 0
    area = db.session.get(UnitYearArea, (unit.id, 2025, ParArea.PROCEDURES.value))
    assert (area.failed, area.scored) == (1, 2)
    assert failures(2025) == {inspection.template.items[1].id: 1}
    assert db.session.get(TemplateYearScored, (2025, inspection.template_id)).scored == 1
    assert_kept_as_rewritten()


def test_a_finding_closed_or_moved_to_a_successor_moves_its_count(scored, leader):
    unit, _inspection, findings = scored
    findings[F.OPEN].status = F.CLOSED
    db.session.commit()
    assert (figures(unit, 2025).open, figures(unit, 2025).closed) == (0, 2)
    findings[F.CLOSED].status = F.REOPENED
    db.session.commit()
    successor = factories.make_unit(name="UBND xã Đắk Hà mới")
    move_to_successor(leader, unit, successor)
    db.session.commit()
    assert figures(successor, 2025).open == 1 and figures(unit, 2025).open == 0
    assert_kept_as_rewritten()


def test_an_inspection_moved_to_another_year_or_unit_takes_its_figures_along(scored):
    unit, inspection, _findings = scored
    inspection.planned_start, inspection.planned_end = date(2024, 11, 4), date(2024, 11, 5)
    db.session.commit()
    assert figures(unit, 2025) is None and figures(unit, 2024).closed == 1
    assert not failures(2025) and sum(failures(2024).values()) == 1
    other = factories.make_unit(name="Sở Y tế")
    inspection.unit_id = other.id
    db.session.commit()
    assert figures(other, 2024).done == 1 and figures(unit, 2024).scored == 0  # the findings stay the unit's
    assert_kept_as_rewritten()


def test_a_cancelled_inspection_a_deleted_draft_and_a_new_inspection(scored):
    unit, inspection, findings = scored
    inspection.status = S.CANCELLED
    db.session.delete(findings[F.DRAFT])
    db.session.add(Inspection(title="Kiểm tra đột xuất", kind=inspection.kind, unit=unit, template=inspection.template,
                              planned_start=date(2025, 12, 1), planned_end=date(2025, 12, 2), status=S.SCHEDULED))
    db.session.commit()
    row = figures(unit, 2025)
    assert (row.planned, row.done, row.scored, row.latest_inspection_id) == (1, 0, 0, None)
    assert not failures(2025)
    assert_kept_as_rewritten()


def test_a_rolled_back_change_leaves_the_figures(scored):
    unit, _inspection, findings = scored
    findings[F.OPEN].status = F.CLOSED
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert figures(unit, 2025).open == 1
    assert_kept_as_rewritten()


@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                    reason="SQLite lets one writer in at a time: two commits cannot overlap there")
def test_two_transactions_on_one_unit_and_year_at_once(app, scored):
    """Both change a finding, flush, then commit together: the second rewrite waits for the first and
    reads its committed rows (without the lock one of them fails on the key or counts a stale state)."""
    unit, inspection, _findings = scored
    ids = [factories.make_finding(inspection, status=F.OPEN).id for _ in range(2)]
    both_flushed = threading.Barrier(2)

    def close(n):
        finding = db.session.get(Finding, ids[n])
        finding.status = F.CLOSED
        db.session.flush()
        both_flushed.wait(timeout=10)
        db.session.commit()

    in_threads(app, 2, close)
    assert (figures(unit, 2025).open, figures(unit, 2025).closed) == (1, 3)
    assert_kept_as_rewritten()
