"""review queue: items whose result escalates (someone besides the author must act) come first

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_queue", sa.Column("escalate", sa.Boolean, nullable=False, server_default=sa.false()))
    op.drop_index("ix_review_queue_status_uncertainty", table_name="review_queue")
    op.create_index("ix_review_queue_status_escalate_uncertainty", "review_queue",
                    ["status", "escalate", "uncertainty"])


def downgrade() -> None:
    op.drop_index("ix_review_queue_status_escalate_uncertainty", table_name="review_queue")
    with op.batch_alter_table("review_queue") as batch:
        batch.drop_column("escalate")
    op.create_index("ix_review_queue_status_uncertainty", "review_queue", ["status", "uncertainty"])
