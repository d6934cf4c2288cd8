"""pre-annotations, the pre-annotation an input starts from, automatic reviews

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 06:25:00

Nothing to carry forward: existing reviews are not automatic, existing inputs start from nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "pre_annotations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("scene_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=256), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blob_key", sa.String(length=300), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("external_resource_id", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_pre_annotations_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["scene_id"], ["scenes.id"], name=op.f("fk_pre_annotations_scene_id_scenes")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_pre_annotations_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pre_annotations")),
        sa.UniqueConstraint("scene_id", "external_id", name=op.f("uq_pre_annotations_scene_id_external_id")),
    )
    with op.batch_alter_table("pre_annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pre_annotations_blob_key"), ["blob_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pre_annotations_organization_id_created_id"),
            ["organization_id", "created", "id"],
            unique=False,
        )
    op.create_table(
        "input_pre_annotations",
        sa.Column("input_id", sa.String(length=36), nullable=False),
        sa.Column("pre_annotation_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["input_id"], ["inputs.id"], name=op.f("fk_input_pre_annotations_input_id_inputs")
        ),
        sa.ForeignKeyConstraint(
            ["pre_annotation_id"],
            ["pre_annotations.id"],
            name=op.f("fk_input_pre_annotations_pre_annotation_id_pre_annotations"),
        ),
        sa.PrimaryKeyConstraint("input_id", name=op.f("pk_input_pre_annotations")),
    )
    with op.batch_alter_table("input_pre_annotations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_input_pre_annotations_pre_annotation_id"), ["pre_annotation_id"], unique=False
        )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automatic", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("automatic")
    with op.batch_alter_table("input_pre_annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_input_pre_annotations_pre_annotation_id"))
    op.drop_table("input_pre_annotations")
    with op.batch_alter_table("pre_annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pre_annotations_organization_id_created_id"))
        batch_op.drop_index(batch_op.f("ix_pre_annotations_blob_key"))
    op.drop_table("pre_annotations")
