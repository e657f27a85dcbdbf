"""sender_profiles.messages_read

Revision ID: 0018_messages_read
Revises: 0017_keyed_marks
Create Date: 2026-12-07 12:20:00

Stage 5 reads at most the most recent ``MAX_SENDER_MESSAGES`` messages of a
sender (a decade of a busy list is one sender); its counts, dates and
frequency come from SQL over all of them. ``messages_read`` says how many
were read, so a profile shows what its content facts stand on. Profiles are
derived data: rows from before the upgrade keep NULL until the next run.
"""

from alembic import op
import sqlalchemy as sa


revision = '0018_messages_read'
down_revision = '0017_keyed_marks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sender_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('messages_read', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sender_profiles', schema=None) as batch_op:
        batch_op.drop_column('messages_read')
