"""``event.due_at``: the due instant a completion (resolved, rejected) was judged against.

A completed dossier is classified once, against the due time in force when it completed (DOMAIN 7; Circular
01/2018/TT-VPCP Art. 13). The dossier row caches that due time and outcome, but a later calendar change (a day
off announced afterwards) makes a replay of its events give another, so ``verify`` could only check that the
cached pair agreed with itself, and a cache changed consistently (due and outcome together) passed. Recorded in
the append-only completion event, the due time makes that check exact. Events written before this revision have
none; for them verify keeps the earlier rule.

Revision ID: 0006_completion_due
Revises: 0005_report_tally
"""

import sqlalchemy as sa
from alembic import op

import onestop.models

revision = "0006_completion_due"
down_revision = "0005_report_tally"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("event", sa.Column("due_at", onestop.models.Instant(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch_op:
        batch_op.drop_column("due_at")
