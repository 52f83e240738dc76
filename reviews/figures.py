"""The database triggers that mark an application's stored score figures stale.

`ScoreFigures` keeps the figures of the counted scores per (application, criterion) so that a
ranking need not aggregate every score again (`scoring.refresh_figures`). Whether a stored row
is current must never depend on every write path remembering to say so: a bulk insert, an
`update()`, the admin, a data migration or a hand-written SQL statement would otherwise skew
the ranking without a sound. So the database itself marks the application stale
(`StaleScoreFigures`) whenever a row that can change its figures is written:

- a score inserted or deleted, or its value, criterion or review changed;
- a review inserted or deleted, or its submission time or assignment changed;
- an assignment deleted, or its conflict flag or application changed.

The triggers only say "this application may have changed"; what counts (`scoring`'s rule) is
stated once, in Python, and applied when the figures are computed. They are (re)installed after
every `migrate` (`install`, connected to post_migrate): SQLite drops a table's triggers when a
migration rebuilds the table, and this puts them back.
"""

from django.db import connections

STALE = "reviews_stalescorefigures"

_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reviews_mark_figures_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'reviews_score' THEN
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO {STALE} (application_id)
        SELECT a.application_id FROM reviews_review r JOIN reviews_assignment a ON a.id = r.assignment_id
        WHERE r.id = NEW.review_id ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO {STALE} (application_id)
        SELECT a.application_id FROM reviews_review r JOIN reviews_assignment a ON a.id = r.assignment_id
        WHERE r.id = OLD.review_id ON CONFLICT DO NOTHING;
    END IF;
  ELSIF TG_TABLE_NAME = 'reviews_review' THEN
    IF TG_OP <> 'DELETE' THEN
      INSERT INTO {STALE} (application_id)
        SELECT a.application_id FROM reviews_assignment a WHERE a.id = NEW.assignment_id ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
      INSERT INTO {STALE} (application_id)
        SELECT a.application_id FROM reviews_assignment a WHERE a.id = OLD.assignment_id ON CONFLICT DO NOTHING;
    END IF;
  ELSE
    IF TG_OP = 'UPDATE' THEN
      INSERT INTO {STALE} (application_id) VALUES (NEW.application_id) ON CONFLICT DO NOTHING;
    END IF;
    INSERT INTO {STALE} (application_id) VALUES (OLD.application_id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$
"""

# (table, the events that can change its figures); an assignment is inserted without a review.
_EVENTS = {
    "reviews_score": ("INSERT", "DELETE", "UPDATE OF score, criterion_id, review_id"),
    "reviews_review": ("INSERT", "DELETE", "UPDATE OF submitted_at, assignment_id"),
    "reviews_assignment": ("DELETE", "UPDATE OF conflict, application_id"),
}

# SQLite: one trigger per (table, event), selecting the application(s) of the rows it names.
_SQLITE_APPLICATIONS = {
    "reviews_score": "SELECT a.application_id FROM reviews_review r JOIN reviews_assignment a "
    "ON a.id = r.assignment_id WHERE r.id IN ({rows})",
    "reviews_review": "SELECT a.application_id FROM reviews_assignment a WHERE a.id IN ({rows})",
}
_SQLITE_COLUMN = {
    "reviews_score": "review_id",
    "reviews_review": "assignment_id",
    "reviews_assignment": "application_id",
}


def _sqlite_select(table: str, rows: list[str]) -> str:
    if table == "reviews_assignment":  # the rows name the application themselves
        return " UNION ".join(f"SELECT {row}" for row in rows)
    return _SQLITE_APPLICATIONS[table].format(rows=", ".join(rows))


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [_POSTGRESQL_FUNCTION]
        for table, events in _EVENTS.items():
            name = f"{table}_figures_stale"
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {' OR '.join(events)} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION reviews_mark_figures_stale()",
            ]
        return statements
    if vendor == "sqlite":
        statements = []
        for table, events in _EVENTS.items():
            column = _SQLITE_COLUMN[table]
            for event in events:
                kind = event.split()[0]
                rows = {"INSERT": ["NEW"], "DELETE": ["OLD"]}.get(kind, ["NEW", "OLD"])
                select = _sqlite_select(table, [f"{row}.{column}" for row in rows])
                name = f"{table}_figures_stale_{kind.lower()}"
                statements += [
                    f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                    f"BEGIN INSERT OR IGNORE INTO {STALE} (application_id) {select}; END",
                ]
        return statements
    return []  # another database: the figures are always computed from the scores (`scoring`)


def supported(vendor: str) -> bool:
    """Whether stored figures are used on this database (the triggers exist for it)."""
    return vendor in ("postgresql", "sqlite")


def install(using: str = "default", **kwargs) -> None:
    """Create (or replace) the triggers, when the tables they watch exist."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if not {STALE, *_EVENTS} <= tables:
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor):
            cursor.execute(statement)


def on_post_migrate(sender, using="default", **kwargs) -> None:
    install(using)
