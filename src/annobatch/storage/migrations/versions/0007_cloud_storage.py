"""cloud storage: per-organization storage credentials, cloud resources of scenes, organization events

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:15:00.000000

An organization's own S3-compatible bucket (endpoint, bucket, region and its sealed keys); a scene
resource may name a file in it by URI (`external_uri`), the blob being the server's copy; an event
may be about the organization itself or a scene without an input (no project).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "storage_credentials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("sealed_keys", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_storage_credentials_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_credentials")),
        sa.UniqueConstraint(
            "organization_id", "bucket", name=op.f("uq_storage_credentials_organization_id_bucket")
        ),
    )
    with op.batch_alter_table("scene_resources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_uri", sa.Text(), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE project_id IS NULL")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("scene_resources", schema=None) as batch_op:
        batch_op.drop_column("external_uri")
    op.drop_table("storage_credentials")
