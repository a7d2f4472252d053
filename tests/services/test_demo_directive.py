"""`flask seed-demo` loads directive 517/BCĐ-NC with its tasks given to the demo units (the renamed
recipients' open tasks moved to their 2025 successors), a 2022 CCHC index with remediation items, and
a few reports, once."""
import sqlalchemy as sa

from app.demo import seed_demo, seed_directive
from app.extensions import db
from app.models import Directive, DirectiveTask, FollowUpEvent, FollowUpEventKind, FollowUpItem, FollowUpKind, \
    FollowUpStatus, Unit


def test_the_demo_gives_the_directives_tasks_to_its_recipients_once(app, instance):
    added = seed_demo()
    assert added["directive_tasks"] == 24 and seed_directive() == 0
    directive = db.session.scalar(sa.select(Directive))
    assert directive.number == "517/BCĐ-NC" and directive.issued_on.isoformat() == "2023-03-02"
    tax = db.session.scalar(sa.select(Unit).where(Unit.code == "THUE-QNG"))  # Cục Thuế's successor
    tax_tasks = db.session.scalars(sa.select(DirectiveTask.code).join(FollowUpItem, FollowUpItem.task_id == DirectiveTask.id)
                                   .where(FollowUpItem.unit_id == tax.id)).all()
    assert {"2.1", "2.2"} <= set(tax_tasks)
    statuses = set(db.session.scalars(sa.select(FollowUpItem.status)))
    assert {FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.CLOSED} <= statuses
    moved = db.session.scalar(sa.select(FollowUpEvent).where(FollowUpEvent.kind == FollowUpEventKind.MOVED).limit(1))
    assert moved is not None and moved.to_unit_id is not None


def test_the_demo_index_has_weak_fields_with_remediation_items(app, instance):
    assert seed_demo()["index_units"] == 14
    items = db.session.scalars(sa.select(FollowUpItem).where(FollowUpItem.kind == FollowUpKind.REMEDIATION)).all()
    assert {i.status for i in items} == {FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.DISMISSED}
    dak_ha = next(i for i in items if i.criterion_code == "III.2")
    assert dak_ha.unit.code == "H-DAKHA" and dak_ha.events[-1].attachments
