"""digest runs

Revision ID: 0016_digest
Revises: 0012_run_batches
Create Date: 2026-12-06 22:45:00
"""

from alembic import op
import sqlalchemy as sa
import inboxmine.db.types


revision = '0016_digest'
down_revision = '0012_run_batches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generated_at', inboxmine.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('since', inboxmine.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('triggered_by', sa.String(length=8), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('gem_snapshot', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_runs'))
    )
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.create_index('ix_digest_runs_generated_at', ['generated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_digest_runs_generated_at')

    op.drop_table('digest_runs')
