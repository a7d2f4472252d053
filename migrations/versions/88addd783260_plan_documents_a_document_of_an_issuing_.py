"""plan documents: a document of an issuing body and a period, amended plans, the plan number pattern

A document no longer always belongs to an inspection: the year's inspection plan (kind "plan") belongs
to its issuing body and the period it covers (period_start, period_end), and an amended plan names the
plan it amends (amends_id). Two checks keep the owners apart: a minutes or a conclusion has an
inspection and no period, a plan has no inspection. Issuing bodies get the plan's number pattern.

The downgrade deletes the plans, their signed scans' rows and their number series: the old schema
cannot hold a document without an inspection.

Revision ID: 88addd783260
Revises: d25e01f773be
Create Date: 2026-12-05 07:14:37.954983

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '88addd783260'
down_revision = 'd25e01f773be'
branch_labels = None
depends_on = None

OLD_KINDS = ('minutes', 'conclusion')
NEW_KINDS = ('minutes', 'conclusion', 'plan')


def _kind_check(kinds) -> str:
    return "kind IN (%s)" % ", ".join(f"'{kind}'" for kind in kinds)


def _replace_kind_check(batch_op, kinds) -> None:
    """The kind column's check (a non-native enum) lists its values: it is made again with `kinds`."""
    batch_op.drop_constraint(batch_op.f('ck_%s_document_kind' % batch_op.impl.table_name), type_='check')
    batch_op.create_check_constraint('document_kind', _kind_check(kinds))


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('amends_id', sa.Integer(), nullable=True))
        batch_op.alter_column('inspection_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_document_amends_id'), ['amends_id'], unique=False)
        batch_op.create_index('ix_document_kind_period_start', ['kind', 'period_start'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_document_amends_id_document'), 'document', ['amends_id'], ['id'])
        _replace_kind_check(batch_op, NEW_KINDS)
        batch_op.create_check_constraint(
            'owner_of_kind', "(inspection_id IS NOT NULL) = (kind IN ('minutes', 'conclusion'))")
        batch_op.create_check_constraint(
            'period_of_kind', "kind = 'plan' OR (period_start IS NULL AND period_end IS NULL)")

    with op.batch_alter_table('document_sequence', schema=None) as batch_op:
        _replace_kind_check(batch_op, NEW_KINDS)

    with op.batch_alter_table('issuing_body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_number_pattern', sa.String(length=64), server_default='{n}/KH-{abbr}', nullable=False))


def downgrade():
    plans = "SELECT id FROM document WHERE kind = 'plan'"
    op.execute(f"DELETE FROM attachment WHERE document_id IN ({plans})")
    op.execute("UPDATE document SET amends_id = NULL, corrects_id = NULL WHERE kind = 'plan'")
    op.execute("DELETE FROM document WHERE kind = 'plan'")
    op.execute("DELETE FROM document_sequence WHERE kind = 'plan'")

    with op.batch_alter_table('issuing_body', schema=None) as batch_op:
        batch_op.drop_column('plan_number_pattern')

    with op.batch_alter_table('document_sequence', schema=None) as batch_op:
        _replace_kind_check(batch_op, OLD_KINDS)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_document_period_of_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_document_owner_of_kind'), type_='check')
        _replace_kind_check(batch_op, OLD_KINDS)
        batch_op.drop_constraint(batch_op.f('fk_document_amends_id_document'), type_='foreignkey')
        batch_op.drop_index('ix_document_kind_period_start')
        batch_op.drop_index(batch_op.f('ix_document_amends_id'))
        batch_op.alter_column('inspection_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('amends_id')
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')
