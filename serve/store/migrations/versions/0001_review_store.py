"""review store: reviewer tokens, reviews, review labels, audit events

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviewer_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(32), nullable=False, unique=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("model_version", sa.String(120), nullable=False),
        sa.Column("predicted_level", sa.String(10), nullable=False),
        sa.Column("predicted_risk", sa.Float, nullable=False),
        sa.Column("predicted_scores", sa.JSON, nullable=False),
        sa.Column("agrees", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("reviewer_token_id", sa.Integer,
                  sa.ForeignKey("reviewer_tokens.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_reviews_agrees", "reviews", ["agrees"])
    op.create_index("ix_reviews_reviewer_token_id", "reviews", ["reviewer_token_id"])
    op.create_index("ix_reviews_created_at", "reviews", ["created_at"])
    op.create_table(
        "review_labels",
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source", sa.String(10), primary_key=True),
        sa.Column("label", sa.String(40), primary_key=True),
    )
    op.create_index("ix_review_labels_label_source", "review_labels", ["label", "source"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("token_id", sa.Integer, nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("review_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_events_created_at", "audit_events", ["created_at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("review_labels")
    op.drop_table("reviews")
    op.drop_table("reviewer_tokens")
