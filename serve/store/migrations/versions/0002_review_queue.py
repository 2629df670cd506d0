"""review queue: reported messages from batch results waiting for a reviewer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_queue",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("model_version", sa.String(120), nullable=False),
        sa.Column("predicted_scores", sa.JSON, nullable=False),
        sa.Column("predicted_labels", sa.JSON, nullable=False),
        sa.Column("uncertainty", sa.Float, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_review_queue_created_at", "review_queue", ["created_at"])
    op.create_index("ix_review_queue_status_uncertainty", "review_queue", ["status", "uncertainty"])


def downgrade() -> None:
    op.drop_table("review_queue")
