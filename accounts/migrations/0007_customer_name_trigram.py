"""Customer names are searched by fragment (tickets/search.py): a trigram index answers `icontains`.

Django writes `icontains` as `UPPER(name::text) LIKE UPPER(%s)` on PostgreSQL, so the index is on that
expression. `pg_trgm` ships with PostgreSQL (contrib); creating it needs a role allowed to (the owner of
the database on PostgreSQL 13+, as it is a trusted extension). Nothing on SQLite.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS customer_name_trgm_idx ON accounts_customer
    USING gin ((UPPER(name::text)) gin_trgm_ops)
"""
BACKWARD = "DROP INDEX IF EXISTS customer_name_trgm_idx"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_api_tokens")]
    operations = [
        TrigramExtension(),
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
