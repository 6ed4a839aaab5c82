"""Indexes for the daily check's scans (issue 4).

- ``ix_dossier_open_extended (is_open, extended_due_at, due_at)``: the open dossiers past their due without an
  extension (the apologies to write) and those past their new appointment (the "late again" flags) are each one
  range of this index; without it both walk every open row of ``ix_dossier_open_due`` and read the table.
- ``ix_dossier_late_completed (outcome, completed_at) WHERE outcome = 'late'``: the dossiers completed late, a few
  percent of the completed ones, instead of a scan of every completion (``ix_dossier_completed``). Led by
  ``outcome`` so that SQLite, without ANALYZE statistics, prefers it to that covering index.

Revision ID: 0003_check_indexes
Revises: 0002_report_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_check_indexes"
down_revision = "0002_report_indexes"
branch_labels = None
depends_on = None

LATE = "outcome = 'late'"


def upgrade() -> None:
    op.create_index("ix_dossier_open_extended", "dossier", ["is_open", "extended_due_at", "due_at"])
    op.create_index(
        "ix_dossier_late_completed",
        "dossier",
        ["outcome", "completed_at"],
        sqlite_where=sa.text(LATE),
        postgresql_where=sa.text(LATE),
    )


def downgrade() -> None:
    op.drop_index("ix_dossier_late_completed", table_name="dossier")
    op.drop_index("ix_dossier_open_extended", table_name="dossier")
