"""stage marks for named items (senders, gems and strategies)

Revision ID: 0017_keyed_marks
Revises: 0014_search
Create Date: 2026-12-07 01:40:00

Every stage now records what it processed in ``stage_items``: message stages
by message id as before, classify/profile/segment by sender identity
(``item_key``), engage by gem id and strategy. ``item_version`` makes a done
item pending again when it changes (classify: the sender's newest message).

So that nothing already done is done again after the upgrade (an AI call per
sender, a new draft per gem), the marks are filled from what is stored: a
sender whose received messages are all classified is done at its newest
message; a gem with a draft for a strategy is done for that strategy.
"""

from alembic import op
import sqlalchemy as sa


revision = '0017_keyed_marks'
down_revision = '0014_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stage_items', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('item_key', sa.String(length=320), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('item_version', sa.String(length=64), nullable=True))
        batch_op.drop_constraint('pk_stage_items', type_='primary')
        batch_op.create_primary_key('pk_stage_items', ['stage', 'item_id', 'item_key'])
    false = "FALSE" if op.get_bind().dialect.name == "postgresql" else "0"
    # The version stage 4 gives a sender: its newest message id and its count.
    op.execute(
        "INSERT INTO stage_items (stage, item_id, item_key, item_version, status, processed_at) "
        "SELECT 'classify', 0, pm.sender_domain, "
        "CAST(MAX(m.id) AS VARCHAR) || ':' || CAST(COUNT(*) AS VARCHAR), 'done', "
        "CURRENT_TIMESTAMP "
        "FROM parsed_metadata pm JOIN messages m ON m.id = pm.message_id "
        "LEFT JOIN ai_classification ac ON ac.message_id = m.id "
        f"WHERE pm.sender_domain IS NOT NULL AND pm.sender_domain <> '' AND m.is_sent = {false} "
        "GROUP BY pm.sender_domain HAVING COUNT(ac.message_id) = COUNT(*)"
    )
    op.execute(
        "INSERT INTO stage_items (stage, item_id, item_key, status, processed_at) "
        "SELECT 'engage', gem_id, strategy, 'done', MAX(generated_at) "
        "FROM engagement_drafts WHERE gem_id IS NOT NULL GROUP BY gem_id, strategy"
    )


def downgrade() -> None:
    op.execute("DELETE FROM stage_items WHERE item_key <> ''")
    with op.batch_alter_table('stage_items', schema=None) as batch_op:
        batch_op.drop_constraint('pk_stage_items', type_='primary')
        batch_op.create_primary_key('pk_stage_items', ['stage', 'item_id'])
        batch_op.drop_column('item_version')
        batch_op.drop_column('item_key')
