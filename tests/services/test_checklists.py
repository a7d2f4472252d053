"""Editing and versioning rules for checklist templates, without HTTP."""
import pytest

from app.models import AnswerType, Role, TargetOperator, TemplateStatus
from app.services import checklists
from app.services.errors import ValidationFailed
from tests.factories import make_template, make_user


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER)


def test_item_problems_lists_every_broken_rule():
    problems = dict(checklists.item_problems({
        "question": " ", "answer_type": AnswerType.PERCENT, "target_operator": TargetOperator.GE,
        "target_value": 150, "weight": 0,
    }))
    assert set(problems) == {"question", "target_value", "weight"}


def test_valid_item_has_no_problems():
    assert checklists.item_problems({"question": "Q", "answer_type": AnswerType.NUMBER,
                                     "target_operator": TargetOperator.EQ, "target_value": 0, "weight": 1}) == []


def test_published_template_refuses_every_change(app, leader):
    template = make_template(status=TemplateStatus.PUBLISHED)
    section, item = template.sections[0], template.sections[0].items[0]
    for action in (
        lambda: checklists.update_template(leader, template, name="X"),
        lambda: checklists.add_section(leader, template, title="X"),
        lambda: checklists.delete_section(leader, section),
        lambda: checklists.add_item(leader, section, question="X", answer_type=AnswerType.TEXT, weight=1),
        lambda: checklists.update_item(leader, item, question="X"),
        lambda: checklists.move_item(leader, item, 1),
        lambda: checklists.delete_item(leader, item),
        lambda: checklists.publish(leader, template),
    ):
        with pytest.raises(ValidationFailed):
            action()


def test_new_version_numbers_follow_the_family(app, leader):
    v1 = make_template(status=TemplateStatus.PUBLISHED, family="KTCV")
    v2 = checklists.new_version(leader, v1)
    checklists.publish(leader, v2)
    v3 = checklists.new_version(leader, v1)  # from an older version: still the next number
    assert (v2.version, v3.version) == (2, 3)
    assert v1.status == TemplateStatus.PUBLISHED and v3.status == TemplateStatus.DRAFT


def test_archive_only_published(app, leader):
    with pytest.raises(ValidationFailed):
        checklists.archive(leader, make_template())


def test_reorder_refuses_a_stale_list(app, leader):
    template = make_template(items=2)
    section = template.sections[0]
    with pytest.raises(ValidationFailed):
        checklists.reorder_items(leader, section, [section.items[0].id])


def test_create_template_refuses_a_taken_family(app, leader):
    make_template(family="MC")
    with pytest.raises(ValidationFailed) as error:
        checklists.create_template(leader, "mc", "Một cửa")
    assert error.value.field == "family"
