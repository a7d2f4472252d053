"""periodic reports: the report kind, its scope, the report number pattern

A periodic report (kind "report") belongs, as a plan does, to its issuing body and a period, and to a
scope: all units ("") or one kind of unit. The kind's check and the period's check name the new kind;
issuing bodies get the report's number pattern.

The downgrade deletes the reports, their signed scans' rows and their number series.

Revision ID: 19a5f7a0f54a
Revises: 88addd783260
Create Date: 2026-12-05 07:32:10.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '19a5f7a0f54a'
down_revision = '88addd783260'
branch_labels = None
depends_on = None

OLD_KINDS = ('minutes', 'conclusion', 'plan')
NEW_KINDS = ('minutes', 'conclusion', 'plan', 'report')


def _kind_check(kinds) -> str:
    return "kind IN (%s)" % ", ".join(f"'{kind}'" for kind in kinds)


def _replace_kind_check(batch_op, kinds) -> None:
    """The kind column's check (a non-native enum) lists its values: it is made again with `kinds`."""
    batch_op.drop_constraint(batch_op.f('ck_%s_document_kind' % batch_op.impl.table_name), type_='check')
    batch_op.create_check_constraint('document_kind', _kind_check(kinds))


def _replace_period_check(batch_op, kinds_with_period) -> None:
    batch_op.drop_constraint(batch_op.f('ck_document_period_of_kind'), type_='check')
    batch_op.create_check_constraint(
        'period_of_kind', f"{_kind_check(kinds_with_period)} OR (period_start IS NULL AND period_end IS NULL)")


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=32), server_default='', nullable=False))
        _replace_kind_check(batch_op, NEW_KINDS)
        _replace_period_check(batch_op, ('plan', 'report'))

    with op.batch_alter_table('document_sequence', schema=None) as batch_op:
        _replace_kind_check(batch_op, NEW_KINDS)

    with op.batch_alter_table('issuing_body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_number_pattern', sa.String(length=64), server_default='{n}/BC-{abbr}', nullable=False))


def downgrade():
    reports = "SELECT id FROM document WHERE kind = 'report'"
    op.execute(f"DELETE FROM attachment WHERE document_id IN ({reports})")
    op.execute("UPDATE document SET corrects_id = NULL WHERE kind = 'report'")
    op.execute("DELETE FROM document WHERE kind = 'report'")
    op.execute("DELETE FROM document_sequence WHERE kind = 'report'")

    with op.batch_alter_table('issuing_body', schema=None) as batch_op:
        batch_op.drop_column('report_number_pattern')

    with op.batch_alter_table('document_sequence', schema=None) as batch_op:
        _replace_kind_check(batch_op, OLD_KINDS)

    with op.batch_alter_table('document', schema=None) as batch_op:
        _replace_period_check(batch_op, ('plan',))
        _replace_kind_check(batch_op, OLD_KINDS)
        batch_op.drop_column('scope')
