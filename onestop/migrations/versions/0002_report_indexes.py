"""Covering indexes for the period reports and the daily check.

Each report count reads one index range (received, completed, withdrawn), by office or for all offices
(a province), without touching the table rows.

Revision ID: 0002_report_indexes
Revises: 0001_initial
"""

from alembic import op

revision = "0002_report_indexes"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_dossier_office_completed": ["office_id", "completed_at", "outcome", "field", "channel", "published_at"],
    "ix_dossier_office_received": ["office_id", "received_at", "field", "channel"],
    "ix_dossier_completed": ["completed_at", "outcome", "field", "channel", "published_at", "office_id"],
    "ix_dossier_received": ["received_at", "field", "channel", "office_id"],
    "ix_dossier_withdrawn": ["withdrawn_at", "field", "office_id"],
}
OLD = {
    "ix_dossier_office_completed": ["office_id", "completed_at", "outcome"],
    "ix_dossier_office_received": ["office_id", "received_at"],
}


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        for name in OLD:
            batch.drop_index(name)
        for name, columns in INDEXES.items():
            batch.create_index(name, columns)


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        for name in INDEXES:
            batch.drop_index(name)
        for name, columns in OLD.items():
            batch.create_index(name, columns)
