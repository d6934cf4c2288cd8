"""The schema's source of truth: SQLAlchemy Core tables.

Times are integer microseconds since the Unix epoch (UTC) on both SQLite and PostgreSQL, so that
ordering and comparison never depend on a driver's datetime handling.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Micros = sa.BigInteger

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created", Micros, nullable=False),
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.UniqueConstraint("organization_id", "name"),
)

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("secret_hash", sa.String(200), nullable=False),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    # NULL: developer in every workspace of the organization.
    sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("expires", Micros, nullable=True),
    sa.Column("revoked", sa.Boolean, nullable=False),
    sa.Column("created", Micros, nullable=False),
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    sa.UniqueConstraint("organization_id", "external_id"),
)

project_annotation_types = sa.Table(
    "project_annotation_types",
    metadata,
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("annotation_type", sa.String(128), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Column("updated", Micros, nullable=False),
    sa.UniqueConstraint("project_id", "external_id"),
    sa.Index(None, "project_id", "status"),
)

batch_annotation_types = sa.Table(
    "batch_annotation_types",
    metadata,
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), primary_key=True),
    sa.Column("annotation_type", sa.String(128), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Index(None, "project_id", "id"),
    sa.Index(None, "batch_id", "id"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created", Micros, nullable=False),
)

server_keys = sa.Table(
    "server_keys",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

inputs = sa.Table(
    "inputs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("organization_id", sa.Integer, sa.ForeignKey("organizations.id"), nullable=False),
    sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
    sa.Column("scene_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("created", Micros, nullable=False),
    sa.Index(None, "batch_id", "status"),
)
