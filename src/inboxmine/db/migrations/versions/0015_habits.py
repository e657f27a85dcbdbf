"""read state of messages (reading habits)

Revision ID: 0015_habits
Revises: 0016_digest
Create Date: 2026-12-06 22:40:00

``messages.is_read``: NULL where the source did not say. Messages imported
before this revision get what their stored labels say (Gmail's ``UNREAD``,
Takeout's ``Unread``/``Opened``); IMAP folders get theirs at the next sync,
which reads the \\Seen flag of every stored message.
"""

from alembic import op
import sqlalchemy as sa


revision = '0015_habits'
down_revision = '0016_digest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_read', sa.Boolean(), nullable=True))
    labels = "CAST(labels AS TEXT)"
    true, false = ("TRUE", "FALSE") if op.get_bind().dialect.name == "postgresql" else ("1", "0")
    op.execute(
        f"UPDATE messages SET is_read = CASE WHEN {labels} LIKE '%\"UNREAD\"%' "
        f"THEN {false} ELSE {true} END WHERE source_kind = 'gmail' AND labels IS NOT NULL"
    )
    op.execute(
        f"UPDATE messages SET is_read = {false} WHERE source_kind <> 'gmail' "
        f"AND {labels} LIKE '%\"Unread\"%'"
    )
    op.execute(
        f"UPDATE messages SET is_read = {true} WHERE source_kind <> 'gmail' "
        f"AND is_read IS NULL AND {labels} LIKE '%\"Opened\"%'"
    )


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('is_read')
