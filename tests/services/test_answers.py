"""Answering a checklist without HTTP: rights, values per type, stale writes, retries, progress."""
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Answer,
    AnswerType,
    AuditEvent,
    ChecklistItem,
    EvidenceRule,
    InspectionStatus,
    Role,
    TargetOperator,
    TemplateStatus,
    User,
)
from app.services import answers, evidence, permissions
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_inspection, make_template, make_user
from tests.threads import in_threads


def item(inspection, index=0):
    return inspection.template.sections[0].items[index]


def add_item(inspection, **fields):
    section = inspection.template.sections[0]
    new = ChecklistItem(position=len(section.items), question="Q", **fields)
    section.items.append(new)
    db.session.commit()
    return new


def test_only_the_team_answers_while_in_progress(lead, inspection):
    with pytest.raises(NotPermitted):
        answers.save_answer(make_user(Role.LEADER), inspection.id, item(inspection).id, {"result": "pass"}, 0, "x")
    inspection.status = InspectionStatus.SCHEDULED
    db.session.commit()
    with pytest.raises(NotPermitted):
        answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "pass"}, 0, "x")


def test_a_team_member_who_became_a_unit_head_no_longer_answers(lead, inspection):
    lead.role = Role.UNIT_HEAD
    db.session.commit()
    assert not permissions.can_answer(lead, inspection)
    with pytest.raises(NotPermitted):
        answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "pass"}, 0, "x")


def test_an_item_of_another_checklist_is_refused(lead, inspection):
    other = make_template(status=TemplateStatus.PUBLISHED).sections[0].items[0]
    with pytest.raises(NotPermitted):
        answers.save_answer(lead, inspection.id, other.id, {"result": "pass"}, 0, "x")


def test_save_then_change_with_the_shown_version(lead, inspection):
    first = answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "fail", "note": "Thiếu"}, 0, "s1")
    assert (first.result, first.note, first.row_version) == ("fail", "Thiếu", 1)
    second = answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "pass"}, 1, "s2")
    assert (second.result, second.row_version) == ("pass", 2)


def test_each_change_is_audited_with_its_values_before_and_after(lead, inspection):
    target = item(inspection)
    first = answers.save_answer(lead, inspection.id, target.id, {"result": "fail", "note": "Thiếu"}, 0, "s1")
    answers.save_answer(lead, inspection.id, target.id, {"result": "pass", "note": "Thiếu"}, 1, "s2")
    answers.save_answer(lead, inspection.id, target.id, {"result": "pass", "note": "Thiếu"}, 2, "s3")  # no change
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "answer",
                                                            AuditEvent.entity_id == first.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.user_id, e.action, e.summary) for e in events] == [(lead.id, "answer", target.code or str(target.id))] * 2
    assert events[0].changes == {"result": [None, "fail"], "note": [None, "Thiếu"]}
    assert events[1].changes == {"result": ["fail", "pass"]}


def test_stale_write_is_refused_and_the_newer_value_kept(lead, inspection):
    answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "fail"}, 0, "a")
    # Another tablet still shows the item unanswered (version 0) and saves "pass".
    with pytest.raises(answers.StaleAnswer) as conflict:
        answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "pass"}, 0, "b")
    assert conflict.value.current.result == "fail"


@pytest.mark.parametrize("answered_before", [False, True], ids=["first answer", "later answer"])
def test_two_saves_racing_on_one_item_apply_one_and_refuse_the_other(app, lead, inspection, monkeypatch,
                                                                     answered_before):
    """Two tablets save the same item at the same moment: both read it before either writes. The database
    decides; the loser is refused with the winner's answer, which is never written over."""
    target = item(inspection)
    if answered_before:
        answers.save_answer(lead, inspection.id, target.id, {"result": "na"}, 0, "earlier")
    version, ids = int(answered_before), (lead.id, inspection.id, target.id)
    both_have_read = threading.Barrier(2)
    read = answers._answer_as_it_is

    def read_then_wait(place):
        current = read(place)
        both_have_read.wait(timeout=10)
        return current

    monkeypatch.setattr(answers, "_answer_as_it_is", read_then_wait)

    def save(n):
        actor = db.session.get(User, ids[0])
        try:
            return answers.save_answer(actor, ids[1], ids[2], {"result": ("pass", "fail")[n]}, version, f"t{n}").result
        except answers.StaleAnswer as conflict:
            return "refused", conflict.current.result

    outcomes = in_threads(app, 2, save)
    applied = next(outcome for outcome in outcomes if isinstance(outcome, str))
    assert sorted(outcomes, key=str) == sorted([applied, ("refused", applied)], key=str)
    db.session.expire_all()
    saved = db.session.scalar(sa.select(Answer).where(Answer.item_id == target.id))
    assert (saved.result, saved.row_version) == (applied, version + 1)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_id == saved.id)).all()
    assert [event.changes["result"][1] for event in events] == ["na"] * answered_before + [applied]


def test_a_save_and_its_own_retry_racing_are_both_answered_with_it(app, lead, inspection, monkeypatch):
    """The outbox resent a save whose first try was still under way: one is applied, neither is refused."""
    ids = (lead.id, inspection.id, item(inspection).id)
    both_have_read = threading.Barrier(2)
    read = answers._answer_as_it_is

    def read_then_wait(place):
        current = read(place)
        both_have_read.wait(timeout=10)
        return current

    monkeypatch.setattr(answers, "_answer_as_it_is", read_then_wait)

    def save(_n):
        actor = db.session.get(User, ids[0])
        saved = answers.save_answer(actor, ids[1], ids[2], {"result": "pass"}, 0, "one-save")
        return saved.result, saved.row_version

    assert in_threads(app, 2, save) == [("pass", 1), ("pass", 1)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.entity == "answer")) == 1


def test_a_retried_save_is_applied_once(lead, inspection):
    answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "fail"}, 0, "same-id")
    again = answers.save_answer(lead, inspection.id, item(inspection).id, {"result": "fail"}, 0, "same-id")
    assert again.row_version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 1


@pytest.mark.parametrize("fields, raw, stored", [
    ({"answer_type": AnswerType.NUMBER, "target_operator": TargetOperator.EQ, "target_value": 0},
     {"value": "2,5"}, {"value": "2.5", "result": None}),
    ({"answer_type": AnswerType.PERCENT, "target_operator": TargetOperator.GE, "target_value": 95},
     {"numerator": "19", "denominator": "20"}, {"numerator": 19, "denominator": 20}),
    ({"answer_type": AnswerType.CHOICE, "choices": [{"value": "a", "label": "A", "passes": True},
                                                      {"value": "b", "label": "B", "passes": False}]},
     {"value": "b"}, {"value": "b"}),
    ({"answer_type": AnswerType.TEXT}, {"value": " Ghi nhận "}, {"value": "Ghi nhận"}),
    ({"answer_type": AnswerType.NUMBER}, {"value": "", "result": "na"}, {"result": "na", "value": None}),
])
def test_values_by_answer_type(lead, inspection, fields, raw, stored):
    new = add_item(inspection, **fields)
    answer = answers.save_answer(lead, inspection.id, new.id, raw, 0, "s")
    assert {name: getattr(answer, name) for name in stored} == stored


@pytest.mark.parametrize("fields, raw, field", [
    ({"answer_type": AnswerType.NUMBER}, {"value": "hai"}, "value"),
    ({"answer_type": AnswerType.PERCENT}, {"numerator": "21", "denominator": "20"}, "numerator"),
    ({"answer_type": AnswerType.PERCENT}, {"numerator": "-1", "denominator": "20"}, "numerator"),
    ({"answer_type": AnswerType.CHOICE, "choices": [{"value": "a", "label": "A", "passes": True}]},
     {"value": "z"}, "value"),
    ({"answer_type": AnswerType.PASS_FAIL}, {"result": "maybe"}, "result"),
])
def test_invalid_values_are_refused_and_nothing_saved(lead, inspection, fields, raw, field):
    new = add_item(inspection, **fields)
    with pytest.raises(ValidationFailed) as error:
        answers.save_answer(lead, inspection.id, new.id, raw, 0, "s")
    assert error.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_evidence_rules_decide_when_an_item_is_done(lead, inspection):
    always = add_item(inspection, answer_type=AnswerType.PASS_FAIL, evidence_required=EvidenceRule.ALWAYS)
    on_fail = add_item(inspection, answer_type=AnswerType.PASS_FAIL, evidence_required=EvidenceRule.ON_FAIL)
    assert not answers.is_done(always, answers.save_answer(lead, inspection.id, always.id, {"result": "pass"}, 0, "1"))
    failed = answers.save_answer(lead, inspection.id, on_fail.id, {"result": "fail"}, 0, "2")
    assert not answers.is_done(on_fail, failed)
    noted = answers.save_answer(lead, inspection.id, on_fail.id, {"result": "fail", "note": "Chưa niêm yết"}, 1, "3")
    assert answers.is_done(on_fail, noted)


def test_progress_score_and_next_open_item(lead, inspection):
    first, second, third = inspection.template.sections[0].items
    answers.save_answer(lead, inspection.id, first.id, {"result": "pass"}, 0, "1")
    answers.save_answer(lead, inspection.id, third.id, {"result": "fail"}, 0, "2")
    saved = answers.answers_by_item(inspection)
    progress = answers.progress(inspection, saved)
    assert (progress.done, progress.total, progress.percent_done) == (2, 3, 67)
    assert progress.score.total.percent == 50
    assert answers.next_open_item(inspection, saved) == second
    assert answers.next_open_item(inspection, saved, after_item_id=second.id) == second


def test_previous_answers_come_from_the_last_inspection_of_the_same_family(lead, inspection):
    from datetime import date

    earlier = make_inspection(status=InspectionStatus.IN_PROGRESS, lead=lead, unit=inspection.unit,
                              template=make_template(status=TemplateStatus.PUBLISHED, family=inspection.template.family,
                                                     version=0),
                              planned_start=date(2025, 3, 12), planned_end=date(2025, 3, 12))
    old_item = earlier.template.sections[0].items[0]
    answers.save_answer(lead, earlier.id, old_item.id, {"result": "fail"}, 0, "old")
    assert answers.previous_answers(inspection) == {}  # its field work is not over yet
    earlier.status = InspectionStatus.REVIEWING
    db.session.commit()
    answer, where, answered_item = answers.previous_answers(inspection)[item(inspection).code]
    assert answer.result == "fail" and where == earlier and answered_item == old_item


def test_checklist_stamp_changes_with_everything_the_page_shows(lead, inspection, instance):
    """The drawn checklist is kept under this stamp: a save, a file added and a new "last time" each
    change it; removing the newest file brings back the files, and so the stamp, of before."""
    from datetime import date

    from tests.images import png

    stamps = [answers.checklist_stamp(inspection)]
    assert answers.checklist_stamp(inspection) == stamps[0]
    first = item(inspection)
    answers.save_answer(lead, inspection.id, first.id, {"result": "fail"}, 0, "1")
    stamps.append(answers.checklist_stamp(inspection))
    answers.save_answer(lead, inspection.id, first.id, {"result": "pass"}, 1, "2")
    stamps.append(answers.checklist_stamp(inspection))
    attachment = evidence.store_evidence(lead, inspection, first, "a.png", png())
    stamps.append(answers.checklist_stamp(inspection))
    evidence.delete_evidence(lead, attachment)
    assert answers.checklist_stamp(inspection) == stamps[-2]
    earlier = make_inspection(status=InspectionStatus.REVIEWING, lead=lead, unit=inspection.unit,
                              template=make_template(status=TemplateStatus.PUBLISHED, family=inspection.template.family,
                                                     version=0),
                              planned_start=date(2025, 3, 12), planned_end=date(2025, 3, 12))
    stamps.append(answers.checklist_stamp(inspection))
    assert len(set(stamps)) == len(stamps) and stamps[-1][-1] == earlier.id


def test_not_applicable_needs_no_evidence(lead, inspection):
    always = add_item(inspection, answer_type=AnswerType.PASS_FAIL, evidence_required=EvidenceRule.ALWAYS)
    assert answers.is_done(always, answers.save_answer(lead, inspection.id, always.id, {"result": "na"}, 0, "1"))


@pytest.mark.parametrize("count", ["²", "1" * 12, "1.5"])
def test_odd_counts_are_refused_not_crashing(lead, inspection, count):
    percent = add_item(inspection, answer_type=AnswerType.PERCENT)
    with pytest.raises(ValidationFailed):
        answers.save_answer(lead, inspection.id, percent.id, {"numerator": count, "denominator": "5"}, 0, "x")
