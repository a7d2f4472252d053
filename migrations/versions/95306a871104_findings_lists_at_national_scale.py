"""findings lists at national scale

Two indexes for the findings list at 102 province-years on PostgreSQL:
- finding (due_date, id, status): the whole list of whoever sees every finding reads its first page of
  ids in due date order, overdue ones first, instead of sorting all 424,000 (112 → 2 ms);
- search_term (kind, entity_id, term) instead of (kind, entity_id): a list searched by two words checks
  the second word per row from the index alone (27 → 23 ms a statement).

Revision ID: 95306a871104
Revises: 4841454c4701
Create Date: 2026-12-05 18:39:51.615790

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '95306a871104'
down_revision = '4841454c4701'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index('ix_finding_due_order', ['due_date', 'id', 'status'], unique=False)

    with op.batch_alter_table('search_term', schema=None) as batch_op:
        batch_op.create_index('ix_search_term_kind_entity_term', ['kind', 'entity_id', 'term'], unique=False)
        batch_op.drop_index(batch_op.f('ix_search_term_kind_entity'))


def downgrade():
    with op.batch_alter_table('search_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_term_kind_entity'), ['kind', 'entity_id'], unique=False)
        batch_op.drop_index('ix_search_term_kind_entity_term')

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index('ix_finding_due_order')
