"""Indexes for the period report: every count is a range of one index, read in index order (issue 5).

- ``ix_dossier_channel_received (channel, field, received_at, completed_at, office_id)``: dossiers received in
  the period, one range per channel and field (SQLite has no hash aggregate: a GROUP BY over a ``received_at``
  range sorts every row of it, most of the report's time); also the dossiers received shortly before the
  period's end and completed after it (pending at the end). Led by channel, not field, so that SQLite keeps
  answering a listing by field from the newest receipts (``ix_dossier_received``) rather than from this.
- ``ix_dossier_channel_completed (channel, field, outcome, completed_at, published_at, office_id)``: dossiers
  completed in the period, one range per channel, field and outcome.
- ``ix_dossier_not_completed (...) WHERE completed_at IS NULL``: the open and withdrawn dossiers with the columns
  that say whether one was pending, waiting or overdue at the period's end (``id`` too, for the event log's
  look-up of the few whose clock restarted after it: PostgreSQL then reads the index alone).
- ``ix_dossier_completed_slowly (field, completed_at, received_at) WHERE`` completed more than 30 days after
  receipt: the few dossiers that may have been pending at an instant long before their completion (the others
  were received at most 30 days before it, a short range of ``ix_dossier_channel_received``).

Revision ID: 0004_report_ranges
Revises: 0003_check_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_report_ranges"
down_revision = "0003_check_indexes"
branch_labels = None
depends_on = None

NOT_COMPLETED = "completed_at IS NULL"
SLOWLY = {
    "sqlite": "julianday(completed_at) - julianday(received_at) > 30",
    "postgresql": "completed_at - received_at > interval '30 days'",
}
NOT_COMPLETED_COLUMNS = ["field", "received_at", "withdrawn_at", "due_at", "waiting_since", "counted_from"]
INDEXES = {
    "ix_dossier_channel_received": (["channel", "field", "received_at", "completed_at", "office_id"], {}),
    "ix_dossier_channel_completed": (["channel", "field", "outcome", "completed_at", "published_at", "office_id"], {}),
    "ix_dossier_not_completed": (
        [*NOT_COMPLETED_COLUMNS, "office_id", "completed_at", "id"],
        {"sqlite_where": sa.text(NOT_COMPLETED), "postgresql_where": sa.text(NOT_COMPLETED)},
    ),
    "ix_dossier_completed_slowly": (
        ["field", "completed_at", "received_at"],
        {"sqlite_where": sa.text(SLOWLY["sqlite"]), "postgresql_where": sa.text(SLOWLY["postgresql"])},
    ),
}


def upgrade() -> None:
    for name, (columns, where) in INDEXES.items():
        op.create_index(name, "dossier", columns, **where)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="dossier")
