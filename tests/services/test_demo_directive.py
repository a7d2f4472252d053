"""`flask seed-demo` loads directive 517/BCĐ-NC with its tasks given to the demo units, and a few
reports, once."""
import sqlalchemy as sa

from app.demo import seed_demo, seed_directive
from app.extensions import db
from app.models import Directive, DirectiveTask, FollowUpItem, FollowUpStatus, Unit


def test_the_demo_gives_the_directives_tasks_to_its_recipients_once(app, instance):
    added = seed_demo()
    assert added["directive_tasks"] == 24 and seed_directive() == 0
    directive = db.session.scalar(sa.select(Directive))
    assert directive.number == "517/BCĐ-NC" and directive.issued_on.isoformat() == "2023-03-02"
    tax = db.session.scalar(sa.select(Unit).where(Unit.code == "CT-KT"))
    tax_tasks = db.session.scalars(sa.select(DirectiveTask.code).join(FollowUpItem, FollowUpItem.task_id == DirectiveTask.id)
                                   .where(FollowUpItem.unit_id == tax.id)).all()
    assert {"2.1", "2.2"} <= set(tax_tasks)
    statuses = set(db.session.scalars(sa.select(FollowUpItem.status)))
    assert {FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.CLOSED} <= statuses
