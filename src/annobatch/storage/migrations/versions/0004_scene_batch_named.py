"""scenes remember whether the client named their batch; an index for the stale-scene sweep

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00.000000

A scene created without naming a batch has its batch chosen again at commit; one whose create named
its batch goes there or nowhere. Scenes stored before this revision are carried forward as they
behaved: a scene with a batch was committed into that batch, so it counts as named.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_named", sa.Boolean(), nullable=True))
    op.execute("UPDATE scenes SET batch_named = (batch_id IS NOT NULL)")
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.alter_column("batch_named", existing_type=sa.Boolean(), nullable=False)
        batch_op.create_index(batch_op.f("ix_scenes_status_updated"), ["status", "updated"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenes_status_updated"))
        batch_op.drop_column("batch_named")
