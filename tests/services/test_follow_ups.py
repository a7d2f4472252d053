"""Directives, their tasks and the follow-up items of units, without HTTP: validation, assignment,
periods of ongoing tasks, the unit's reports, evaluation, remediation proposals, succession,
reminders and rights."""
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import (
    FollowUpEventKind,
    FollowUpItem,
    FollowUpKind,
    FollowUpStatus,
    Notification,
    Outcome,
    ParArea,
    ReportingCycle,
    Role,
    TargetKind,
    UnitRole,
)
from app.services import directives, follow_ups, permissions, units
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_directive, make_unit, make_user
from tests.images import png

S = FollowUpStatus
K = FollowUpEventKind


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def unit(app):
    return make_unit(name="Sở Tư pháp")


@pytest.fixture
def head(unit):
    return make_user(Role.UNIT_HEAD, unit=unit, username="head")


@pytest.fixture
def directive(app):
    return make_directive(number="517/BCĐ-NC")


def task_fields(**overrides) -> dict:
    fields = {"title": "Cải cách thể chế", "code": "3d.1", "due_date": date(2023, 12, 31)}
    fields.update(overrides)
    return fields


def give(leader, directive, lead=(), coordinating=(), **fields):
    return directives.save_task(leader, directive, None, directives.Assignment(
        lead=[u.id for u in lead], coordinating=[u.id for u in coordinating]), **task_fields(**fields))


def item_of(task, unit) -> FollowUpItem:
    return db.session.scalar(sa.select(FollowUpItem).where(FollowUpItem.task_id == task.id,
                                                           FollowUpItem.unit_id == unit.id))


# --- directives and tasks ------------------------------------------------------------------------

def test_a_directive_needs_its_number_body_and_subject_and_is_found_without_diacritics(leader):
    body_id = make_directive().issuing_body_id
    values = {"number": "", "issued_on": date(2023, 3, 2), "issuing_body_id": body_id, "subject": "Trọng tâm",
              "signer_name": "", "signer_title": ""}
    with pytest.raises(ValidationFailed) as refused:
        directives.save_directive(leader, None, **values)
    assert refused.value.field == "number"
    saved = directives.save_directive(leader, None, files=[("ky.pdf", b"%PDF-1.4 signed")],
                                      **{**values, "number": "517/BCĐ-NC", "subject": "Cải cách hành chính"})
    assert saved.files[0].original_name == "ky.pdf"
    from app.services import search
    found = db.session.scalars(sa.select(type(saved)).where(search.matches("directive", type(saved).id, "cai cach"))).all()
    assert found == [saved]


def test_only_leaders_and_administrators_write_directives(app, directive):
    inspector = make_user(Role.INSPECTOR)
    with pytest.raises(NotPermitted):
        directives.save_task(inspector, directive, None, directives.Assignment([], []), **task_fields())


@pytest.mark.parametrize("fields, field", [
    ({"due_date": date(2023, 3, 1)}, "due_date"),  # before the directive's date
    ({"due_date": None}, "due_date"),  # neither a due date nor a cycle
    ({"cycle": ReportingCycle.QUARTER}, "cycle"),  # both
    ({"target_kind": TargetKind.VALUE, "target_measure": "Tỷ lệ hồ sơ đúng hạn", "target_value": 95.0}, "baseline_value"),
    ({"target_kind": TargetKind.RANK, "target_measure": "Xếp hạng", "target_value": 5.0, "baseline_value": 22.0,
      "baseline_year": 2021}, "baseline_of"),
])
def test_bad_task_input_is_refused_and_nothing_is_saved(leader, directive, unit, fields, field):
    with pytest.raises(ValidationFailed) as refused:
        give(leader, directive, lead=[unit], **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpItem)) == 0


def test_a_unit_is_lead_or_coordinating_not_both(leader, directive, unit):
    with pytest.raises(ValidationFailed, match="không thể cả hai"):
        give(leader, directive, lead=[unit], coordinating=[unit])


def test_giving_a_task_makes_each_unit_an_item_and_tells_its_heads(leader, directive, unit, head):
    other = make_unit()
    task = give(leader, directive, lead=[unit], coordinating=[other])
    mine = item_of(task, unit)
    assert (mine.status, mine.role, mine.due_date) == (S.OPEN, UnitRole.LEAD, date(2023, 12, 31))
    assert item_of(task, other).role == UnitRole.COORDINATING
    assert [e.kind for e in mine.events] == [K.ASSIGNED]
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == head.id))
    assert "517/BCĐ-NC" in note.text


def test_a_new_due_date_moves_the_open_items_with_an_event(leader, directive, unit):
    task = give(leader, directive, lead=[unit])
    directives.save_task(leader, directive, task, directives.Assignment([unit.id], []),
                         **task_fields(due_date=date(2024, 6, 30)))
    item = item_of(task, unit)
    assert item.due_date == date(2024, 6, 30)
    assert item.events[-1].kind == K.RESCHEDULED


def test_a_unit_that_reported_stays_assigned(leader, directive, unit, head):
    task = give(leader, directive, lead=[unit])
    follow_ups.respond(head, item_of(task, unit), K.REPORT, "Đã triển khai")
    with pytest.raises(ValidationFailed, match="đã báo cáo"):
        directives.save_task(leader, directive, task, directives.Assignment([], []), **task_fields())


def test_subtasks_nest_under_a_task_of_the_same_directive(leader, directive, unit):
    parent = give(leader, directive, code="1.4", title="Kế hoạch khắc phục")
    child = give(leader, directive, lead=[unit], code="1.4a", title="Nâng tỷ lệ đúng hạn", parent_id=parent.id)
    assert [(t.code, depth) for t, depth in directives.task_tree(directive)] == [("1.4", 0), ("1.4a", 1)]
    with pytest.raises(ValidationFailed):
        directives.save_task(leader, directive, parent, directives.Assignment([], []),
                             **task_fields(code="1.4", parent_id=child.id))


# --- ongoing tasks and their periods -------------------------------------------------------------

@freeze_time("2026-05-10")
def test_an_ongoing_task_is_due_at_each_period_end_and_each_report_moves_it_on(leader, directive, unit, head):
    task = give(leader, directive, lead=[unit], due_date=None, cycle=ReportingCycle.QUARTER)
    item = item_of(task, unit)
    assert item.due_date == date(2026, 6, 30)
    step = follow_ups.respond(head, item, K.REPORT, "Quý II đã thực hiện")
    assert step.period_end == date(2026, 6, 30)
    assert item.due_date == date(2026, 9, 30)
    assert not follow_ups.follow_up_rights(head, item).complete  # an ongoing task never completes


def test_periods_are_named_as_reports_name_them(app):
    from app.services import periods
    with app.test_request_context():
        assert periods.period_end(date(2026, 2, 14), ReportingCycle.HALF_YEAR) == date(2026, 6, 30)
        assert periods.next_period_end(date(2026, 12, 31), ReportingCycle.MONTH) == date(2027, 1, 31)
        assert periods.next_period_end(date(2026, 2, 28), ReportingCycle.MONTH) == date(2026, 3, 31)
        assert periods.period_label(date(2026, 6, 30), ReportingCycle.QUARTER) == "Quý II/2026"
        assert periods.period_label(date(2026, 6, 30), ReportingCycle.HALF_YEAR) == "6 tháng đầu năm 2026"


# --- the unit's reports and the evaluation -------------------------------------------------------

@pytest.fixture
def target_task(leader, directive, unit):
    return give(leader, directive, lead=[unit], target_kind=TargetKind.VALUE, target_measure="Tỷ lệ hồ sơ đúng hạn",
                target_value=95.0, baseline_value=80.0, baseline_year=2022)


def test_a_report_gives_figures_toward_the_target_and_files(target_task, unit, head, instance):
    item = item_of(target_task, unit)
    step = follow_ups.respond(head, item, K.REPORT, "Quý I", files=[("anh.png", png())], numerator=90, denominator=100)
    assert (step.numerator, step.denominator, item.status) == (90, 100, S.IN_PROGRESS)
    assert step.attachments[0].follow_up_event_id == step.id
    for numerator, denominator in ((120, 100), (5, None), (5, 0)):
        with pytest.raises(ValidationFailed):
            follow_ups.respond(head, item, K.REPORT, "Sai số liệu", numerator=numerator, denominator=denominator)
        db.session.rollback()


def test_only_the_units_head_reports(target_task, unit):
    stranger = make_user(Role.UNIT_HEAD)
    item = item_of(target_task, unit)
    with pytest.raises(NotPermitted):
        follow_ups.respond(stranger, item, K.REPORT, "Không phải đơn vị mình")
    assert db.session.scalar(permissions.visible_follow_ups(stranger).where(FollowUpItem.id == item.id)) is None


def test_completion_on_time_is_closed_as_done_on_time(leader, target_task, unit, head):
    item = item_of(target_task, unit)
    with freeze_time("2023-12-01"):
        follow_ups.respond(head, item, K.PLAN, "Kế hoạch")
        follow_ups.complete(head, item, "Đã hoàn thành", numerator=96, denominator=100)
    assert follow_ups.proposed_outcome(item) == Outcome.ON_TIME
    follow_ups.evaluate(leader, item, Outcome.ON_TIME)
    assert (item.status, item.outcome) == (S.CLOSED, Outcome.ON_TIME)
    with pytest.raises(ValidationFailed, match="không nhận thêm báo cáo"):
        follow_ups.respond(head, item, K.REPORT, "Sau khi đóng")


def test_a_late_completion_cannot_be_marked_on_time(leader, target_task, unit, head):
    item = item_of(target_task, unit)
    with freeze_time("2024-01-15"):
        follow_ups.complete(head, item, "Đã hoàn thành")
    assert follow_ups.proposed_outcome(item) == Outcome.LATE
    with pytest.raises(ValidationFailed, match="hoàn thành chậm"):
        follow_ups.evaluate(leader, item, Outcome.ON_TIME)
    db.session.rollback()
    follow_ups.evaluate(leader, item, Outcome.LATE, "Chậm 15 ngày")
    assert (item.status, item.outcome) == (S.CLOSED, Outcome.LATE)


def test_a_completion_not_accepted_goes_back_with_a_reason(leader, target_task, unit, head):
    item = item_of(target_task, unit)
    follow_ups.complete(head, item, "Xong")
    with pytest.raises(ValidationFailed) as refused:
        follow_ups.evaluate(leader, item, Outcome.NOT_DONE, "")
    assert refused.value.field == "reason"
    db.session.rollback()
    follow_ups.evaluate(leader, item, Outcome.NOT_DONE, "Chưa có số liệu")
    assert item.status == S.REOPENED


def test_the_end_can_be_evaluated_as_not_done_and_only_leaders_evaluate(leader, target_task, unit, head):
    item = item_of(target_task, unit)
    with pytest.raises(NotPermitted):
        follow_ups.evaluate(head, item, Outcome.ON_TIME)
    with pytest.raises(ValidationFailed, match="chưa báo cáo hoàn thành"):
        follow_ups.evaluate(leader, item, Outcome.ON_TIME, close=True)
    db.session.rollback()
    follow_ups.evaluate(leader, item, Outcome.NOT_DONE, "Quá hạn, không thực hiện", close=True)
    assert (item.status, item.outcome) == (S.CLOSED, Outcome.NOT_DONE)
    assert [e.kind for e in item.events] == [K.ASSIGNED, K.EVALUATION]


# --- remediation items from the index ------------------------------------------------------------

def weak(unit, **overrides):
    fields = {"unit_id": unit.id, "year": 2022, "par_area": ParArea.PROCEDURES, "criterion_code": "",
              "criterion_label": "", "score": 8.0, "maximum": 13.0}
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_weak_index_scores_propose_items_once_that_a_leader_confirms_or_dismisses(leader, unit, head):
    assert follow_ups.propose_remediation(leader, [weak(unit), weak(unit, par_area=ParArea.INSTITUTIONS)]) == 2
    db.session.commit()
    assert follow_ups.propose_remediation(leader, [weak(unit)]) == 0
    first, second = db.session.scalars(sa.select(FollowUpItem).order_by(FollowUpItem.id)).all()
    assert first.kind == FollowUpKind.REMEDIATION and first.status == S.PROPOSED
    assert db.session.scalar(permissions.visible_follow_ups(head).where(FollowUpItem.id == first.id)) is None
    with freeze_time("2023-02-01"):
        with pytest.raises(ValidationFailed):
            follow_ups.confirm(leader, first, date(2023, 1, 1))
        db.session.rollback()
        follow_ups.confirm(leader, first, follow_ups.default_remediation_due(2022))
    follow_ups.dismiss(leader, second, "Đã khắc phục trong năm")
    assert (first.status, first.due_date, second.status) == (S.OPEN, date(2023, 12, 31), S.DISMISSED)
    assert db.session.scalar(permissions.visible_follow_ups(head).where(FollowUpItem.id == first.id)) is first


# --- mergers and reminders -----------------------------------------------------------------------

def test_a_succeeded_units_items_move_to_the_successor_and_say_where_they_came_from(leader, directive, unit, head):
    task = give(leader, directive, lead=[unit])
    follow_ups.propose_remediation(leader, [weak(unit)])
    db.session.commit()
    successor = make_unit(name="Sở Tư pháp (mới)")
    units.succeed_unit(make_user(Role.ADMIN), unit, successor, date(2025, 7, 1))
    moved = db.session.scalars(sa.select(FollowUpItem).where(FollowUpItem.unit_id == successor.id)).all()
    assert len(moved) == 2
    task_item = next(i for i in moved if i.task_id == task.id)
    assert (task_item.events[-1].kind, task_item.events[-1].from_unit_id) == (K.MOVED, unit.id)


def test_reminders_go_once_per_due_date(app, leader, directive, unit, head):
    task = give(leader, directive, lead=[unit])
    item = item_of(task, unit)
    assert follow_ups.remind_deadlines(date(2023, 12, 29)) == 1  # due in two days
    assert follow_ups.remind_deadlines(date(2023, 12, 30)) == 0
    assert follow_ups.remind_deadlines(date(2024, 1, 2)) == 1  # overdue
    db.session.commit()
    texts = db.session.scalars(sa.select(Notification.text).where(Notification.user_id == head.id)
                               .order_by(Notification.id)).all()
    assert len(texts) == 3 and "31/12/2023" in texts[-1]
    assert item.overdue_reminded_for == date(2023, 12, 31)


def test_counts_and_the_dashboard_figures_per_unit(leader, directive, unit, head):
    done = give(leader, directive, lead=[unit], code="1")
    give(leader, directive, lead=[unit], code="2")
    item = item_of(done, unit)
    with freeze_time("2023-06-01"):
        follow_ups.complete(head, item, "Xong")
    follow_ups.evaluate(leader, item, Outcome.ON_TIME)
    today = date(2024, 1, 5)
    assert follow_ups.task_counts_by_unit([unit.id], today) == {unit.id: {"assigned": 2, "done": 1, "overdue": 1}}
    counts = follow_ups.counts(permissions.visible_follow_ups(head), today)
    assert (counts["open"], counts["overdue"], counts["closed"]) == (1, 1, 1)


@freeze_time("2026-05-10")
def test_a_second_report_in_the_same_period_adds_to_it_without_moving_the_due_date(leader, directive, unit, head):
    item = item_of(give(leader, directive, lead=[unit], due_date=None, cycle=ReportingCycle.MONTH), unit)
    first = follow_ups.respond(head, item, K.REPORT, "Tháng 5")
    assert (first.period_end, item.due_date) == (date(2026, 5, 31), date(2026, 6, 30))
    again = follow_ups.respond(head, item, K.REPORT, "Bổ sung tháng 5")
    assert (again.period_end, item.due_date) == (date(2026, 5, 31), date(2026, 6, 30))


def test_a_remediation_item_leads_to_the_units_latest_answers_on_its_criterion(leader, unit):
    from app.models import Answer, InspectionStatus, TemplateStatus
    from tests.factories import make_inspection, make_template

    template = make_template(status=TemplateStatus.PUBLISHED, items=2)
    section = template.sections[0]
    section.par_area = ParArea.PROCEDURES
    section.items[0].code, section.items[1].code = "PAR-III-01", "PAR-III-02"
    inspection = make_inspection(status=InspectionStatus.REVIEWING, template=template, unit=unit)
    for checklist_item, outcome in zip(section.items, ("pass", "fail")):
        db.session.add(Answer(inspection_id=inspection.id, item_id=checklist_item.id, result=outcome, outcome=outcome))
    db.session.commit()
    follow_ups.propose_remediation(leader, [weak(unit, criterion_code="III.2", criterion_label="Đúng hạn")])
    item = db.session.scalar(sa.select(FollowUpItem))
    found, answers = follow_ups.latest_answers(item)
    assert found == inspection and [(i.code, a.outcome) for i, a in answers] == [("PAR-III-02", "fail")]
    item.criterion_code = ""  # the whole field: every item of it
    assert [i.code for i, _a in follow_ups.latest_answers(item)[1]] == ["PAR-III-01", "PAR-III-02"]
