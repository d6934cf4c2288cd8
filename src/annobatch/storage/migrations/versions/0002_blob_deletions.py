"""blob deletions recorded in the transaction that orphans the blobs; housekeeping leases; an index
on the blobs rows refer to

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blob_deletions",
        sa.Column("blob_key", sa.String(length=300), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("blob_key", name=op.f("pk_blob_deletions")),
    )
    op.create_table(
        "housekeeping",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_housekeeping")),
    )
    op.create_index(op.f("ix_scene_resources_blob_key"), "scene_resources", ["blob_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_scene_resources_blob_key"), table_name="scene_resources")
    op.drop_table("housekeeping")
    op.drop_table("blob_deletions")
