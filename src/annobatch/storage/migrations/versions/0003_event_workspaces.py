"""the workspace of an audit-log entry about an input (its scene's), so that a credential bound to
a workspace reads only its own entries

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00.000000

"""

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_events = sa.table("events", sa.column("id"), sa.column("kind"), sa.column("data"), sa.column("workspace_id"))
_scenes = sa.table("scenes", sa.column("id"), sa.column("workspace_id"))
_CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("workspace_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_events_workspace_id_workspaces"), "workspaces", ["workspace_id"], ["id"]
        )
    # The entries about inputs name their scene in their data: file them in its workspace.
    conn = op.get_bind()
    entries = conn.execute(
        sa.select(_events.c.id, _events.c.data).where(_events.c.kind.like("input.%")).order_by(_events.c.id)
    ).all()
    for start in range(0, len(entries), _CHUNK):
        chunk = [(i, msgspec.json.decode(data).get("scene")) for i, data in entries[start : start + _CHUNK]]
        scene_ids = sorted({s for _, s in chunk if s})
        if not scene_ids:
            continue
        found = conn.execute(
            sa.select(_scenes.c.id, _scenes.c.workspace_id).where(_scenes.c.id.in_(scene_ids))
        ).all()
        workspace_of = dict(found)
        updates = [{"eid": i, "ws": workspace_of[s]} for i, s in chunk if s in workspace_of]
        if updates:
            conn.execute(
                _events.update()
                .where(_events.c.id == sa.bindparam("eid"))
                .values(workspace_id=sa.bindparam("ws")),
                updates,
            )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(op.f("fk_events_workspace_id_workspaces"), type_="foreignkey")
        batch.drop_column("workspace_id")
