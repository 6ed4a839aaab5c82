"""The report tally (PostgreSQL): the period report's counts kept up to date by the database itself.

``tally (bucket, office_id, kind, field, channel, outcome) → n, published``: dossiers received, completed (by
outcome, Circular 01/2018/TT-VPCP Art. 13; with how many of those were published) and withdrawn per reporting
month: Decree 09/2019/NĐ-CP Art. 12 counts from the 15th of one month to the 14th of the next, local time, so a
bucket runs from a 15th 00:00 in Vietnam (UTC+7, 17:00 UTC on the 14th) to the next. A report of such months,
quarters, half-years or years sums whole buckets; any other range (calendar months, custom ranges, another time
zone) also counts the two partial buckets at its ends from the dossiers' index ranges (``onestop.tally``), so
every count stays exact. Not an hour: over the 3M benchmark ledger's year, hourly rows per office, field and
channel were 565k for 751k receipts (as long to sum as the receipts themselves); monthly ones are 31k.

On PostgreSQL, triggers on ``dossier`` keep it: after each INSERT statement (COPY too) and each DELETE, one
upsert adds (subtracts) the statement's rows grouped by key, from its transition table: an import's batch of
2,000 rows costs one statement, not 2,000 (measured: row triggers added 31% to a 100k-row import). After an
UPDATE of a counted column, a row trigger subtracts the old row's contribution to each kind whose key changed and
adds the new one's. The existing dossiers are counted once here, under the triggers' lock on ``dossier`` so that
no write falls between the two, in key order so that a period's rows lie together in the table. On SQLite the
table is created (the models are the same on both) and stays empty.

Revision ID: 0005_report_tally
Revises: 0004_report_ranges
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import onestop.models

revision = "0005_report_tally"
down_revision = "0004_report_ranges"
branch_labels = None
depends_on = None

KEY = ("bucket", "office_id", "kind", "field", "channel", "outcome")
# The reporting month's first instant (as onestop.tally.bucket_of): shifted back 14 days, a local 15th..14th is
# one calendar month.
BUCKET = (
    "(date_trunc('month', ({} AT TIME ZONE 'Asia/Ho_Chi_Minh') - interval '14 days') + interval '14 days') "
    "AT TIME ZONE 'Asia/Ho_Chi_Minh'"
)
COUNTED = ("received_at", "completed_at", "outcome", "withdrawn_at", "published_at", "field", "channel", "office_id")

PUT_ARGUMENTS = "integer, varchar, timestamptz, varchar, varchar, varchar, integer, integer"
PUT = f"""
CREATE FUNCTION onestop_tally_put(
    _office integer, _kind varchar, _at timestamptz, _field varchar, _channel varchar, _outcome varchar,
    _n integer, _published integer
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF _at IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO tally ({", ".join(KEY)}, n, published)
    VALUES ({BUCKET.format("_at")}, _office, _kind, _field, _channel, _outcome, _n, _published)
    ON CONFLICT ({", ".join(KEY)})
    DO UPDATE SET n = tally.n + EXCLUDED.n, published = tally.published + EXCLUDED.published;
END $$
"""


def _move(kind: str, at: str, outcome: str, published: str) -> str:
    """Move one kind's contribution when its key (or its published count) changed; a NULL instant counts none."""

    def key(row: str) -> str:
        return f"({row}.office_id, {row}.field, {row}.channel, {BUCKET.format(f'{row}.{at}')}, {outcome.format(row)})"

    def put(row: str, sign: str) -> str:
        return (
            f"PERFORM onestop_tally_put({row}.office_id, '{kind}', {row}.{at}, {row}.field, {row}.channel, "
            f"{outcome.format(row)}, {sign}1, {sign}{published.format(row)});"
        )

    changed = f"{key('o')} IS DISTINCT FROM {key('w')}"
    if published != "0":
        changed += f" OR {published.format('o')} IS DISTINCT FROM {published.format('w')}"
    return f"IF {changed} THEN\n        {put('o', '-')}\n        {put('w', '+')}\n    END IF;"


SHOWN = "({0}.published_at IS NOT NULL)::integer"
MOVED = f"""
CREATE FUNCTION onestop_tally_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o dossier := OLD;
    w dossier := NEW;
BEGIN
    {_move("received", "received_at", "''", "0")}
    {_move("completed", "completed_at", "coalesce({0}.outcome, '')", SHOWN)}
    {_move("withdrawn", "withdrawn_at", "''", "0")}
    RETURN NULL;
END $$
"""


def _counted(source: str, sign: str = "") -> str:
    """Every contribution of the rows of ``source`` (a table), one row per key, in key order."""

    def kind(name: str, at: str, outcome: str, published: str) -> str:
        bucket = BUCKET.format(at)
        by_outcome = "" if outcome == "''" else f", {outcome}"  # PostgreSQL refuses a constant in GROUP BY
        return (
            f"SELECT {bucket}, office_id, '{name}', field, channel, {outcome}, {sign}count(*), {sign}{published} "
            f"FROM {source} WHERE {at} IS NOT NULL GROUP BY {bucket}, office_id, field, channel{by_outcome}"
        )

    parts = (
        kind("received", "received_at", "''", "0"),
        kind("completed", "completed_at", "coalesce(outcome, '')", "count(published_at)"),
        kind("withdrawn", "withdrawn_at", "''", "0"),
    )
    # In key order: concurrent statements lock the tally rows they share in the same order (no deadlock); the
    # backfill lays a period's rows together in the table.
    return " UNION ALL ".join(parts) + f" ORDER BY {', '.join(str(n + 1) for n in range(len(KEY)))}"


def _added(name: str, table: str, sign: str) -> str:
    """A statement trigger's function: one upsert of the statement's rows (a COPY batch: one, not one per row)."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tally ({", ".join(KEY)}, n, published) {_counted(table, sign)}
    ON CONFLICT ({", ".join(KEY)})
    DO UPDATE SET n = tally.n + EXCLUDED.n, published = tally.published + EXCLUDED.published;
    RETURN NULL;
END $$
"""


FUNCTIONS = {
    "onestop_tally_put": PUT,
    "onestop_tally_moved": MOVED,
    "onestop_tally_added": _added("onestop_tally_added", "added", ""),
    "onestop_tally_removed": _added("onestop_tally_removed", "removed", "-"),
}
# Transition tables cannot go with a column list: UPDATE is a row trigger (a desk updates one row at a time).
TRIGGERS = {
    "dossier_tally_insert": "AFTER INSERT ON dossier REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION onestop_tally_added()",
    "dossier_tally_delete": "AFTER DELETE ON dossier REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT EXECUTE FUNCTION onestop_tally_removed()",
    "dossier_tally_update": f"AFTER UPDATE OF {', '.join(COUNTED)} ON dossier "
    "FOR EACH ROW EXECUTE FUNCTION onestop_tally_moved()",
}
BACKFILL = f"INSERT INTO tally ({', '.join(KEY)}, n, published) {_counted('dossier')}"


def upgrade() -> None:
    op.create_table(
        "tally",
        sa.Column("bucket", onestop.models.Instant(timezone=True), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("published", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for function in FUNCTIONS.values():
        op.execute(function)
    for name, trigger in TRIGGERS.items():  # locks out writers of dossier until this commits: the backfill misses none
        op.execute(f"CREATE TRIGGER {name} {trigger}")
    op.execute(BACKFILL)
    op.execute("ANALYZE tally")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON dossier")
        for name in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}({PUT_ARGUMENTS if name == 'onestop_tally_put' else ''})")
    op.drop_table("tally")
