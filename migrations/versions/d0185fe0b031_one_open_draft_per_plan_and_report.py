"""one open draft per plan and report

Partial unique indexes keep one draft of each secretariat document: of a plan's year or a report's
period and scope, of an amended plan per plan amended, of a correction per plan or report corrected.
Two "start" clicks at once then insert one draft; the second insert is refused and opens the first's.

Plans and reports came in the two revisions before this one, so a database should hold no doubled
draft yet. If one does, the upgrade stops on the unique index and deletes nothing: finalise or delete
the newer draft by hand (its text may be the one edited), then upgrade again.

Revision ID: d0185fe0b031
Revises: 757ef5d7a2e4
Create Date: 2026-12-05 08:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd0185fe0b031'
down_revision = '757ef5d7a2e4'
branch_labels = None
depends_on = None

DRAFT_OF_PERIOD = ("status = 'draft' AND kind IN ('plan', 'report') AND corrects_id IS NULL "
                   "AND amends_id IS NULL")
DRAFT_AMENDMENT = "status = 'draft' AND kind = 'plan' AND corrects_id IS NULL"
DRAFT_CORRECTION = "status = 'draft' AND kind IN ('plan', 'report')"
INDEXES = (
    ('uq_document_draft_of_period', ['kind', 'period_start', 'period_end', 'scope'], DRAFT_OF_PERIOD),
    ('uq_document_draft_amendment', ['amends_id'], DRAFT_AMENDMENT),
    ('uq_document_draft_correction', ['corrects_id'], DRAFT_CORRECTION),
)


def upgrade():
    for name, columns, where in INDEXES:
        op.create_index(name, 'document', columns, unique=True, sqlite_where=sa.text(where),
                        postgresql_where=sa.text(where))


def downgrade():
    for name, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name='document')
