"""PostgreSQL only: the unaccent and pg_trgm extensions, the `oproep_dutch` text search
configuration (Dutch snowball stemming after unaccent, so "financiële" and "financiele" are one
word) and the GIN index on the search vector. On SQLite (`make run`) this does nothing: the
search falls back to a contains match there (applications/search.py)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'oproep_dutch') THEN
            CREATE TEXT SEARCH CONFIGURATION oproep_dutch (COPY = pg_catalog.dutch);
            ALTER TEXT SEARCH CONFIGURATION oproep_dutch
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS applications_searchdocument_vector_gin "
    "ON applications_searchdocument USING gin (vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS applications_searchdocument_vector_gin",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS oproep_dutch",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("applications", "0006_search_document")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
