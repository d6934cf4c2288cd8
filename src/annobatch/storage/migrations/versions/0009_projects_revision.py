"""projects revision: a counter per organization, bumped with every change to its project list

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:30:00.000000

Every change to what `GET /v1/projects` shows (a project created, a project's status) bumps
`organizations.projects_revision` in the same transaction; a worker keeps the encoded list per
organization and answers it again while the revision is unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("projects_revision", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("projects_revision")
