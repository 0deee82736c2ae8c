"""A second GIN index over the search vectors, of the tickets that wait for the support staff only.

A search that is rare in the queue or the inbox (tickets/search.py) gathers its matches first: through the
whole table's index, the matches of a word found in 66,000 closed tickets took 67 ms to gather; through the
statuses' index, rechecking each of the list's 40,000 vectors, 30 to 50 ms. Through this index, which
holds only the list's own rows, 5 ms (docs/performance.md). PostgreSQL picks it where the list's filter
implies its condition (the queue's statuses are among these three).
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS ticket_search_waiting_idx ON tickets_ticket USING gin (search_vector)
    WHERE status IN ('open', 'diagnosing', 'in_work');
"""
BACKWARD = "DROP INDEX IF EXISTS ticket_search_waiting_idx;"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_merge_credits")]
    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
