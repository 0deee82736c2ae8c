"""Full-text search of tickets (tickets/search.py): a stored vector per ticket, written by the database.

`tickets_ticket.search_vector` holds the subject (weight A), the description (B) and the messages' bodies
(C), in the text search configuration of the customer's language (`tickets_search_config`: fr → french,
de → german, otherwise english; tickets.search.SEARCH_CONFIGURATIONS says the same and the tests hold the
two equal). Triggers keep it, so that every writer, COPY (seed_scale) and the set-based statements of
config/bulk.py included, leaves it right without Python:

- before a ticket is inserted, or its subject, description, customer or vector is updated: the vector is
  computed again from the row and its messages (writing NULL to it asks for that);
- after a statement inserts, updates or deletes messages: each ticket it touched once, in one UPDATE
  (transition tables: a COPY of 3,000,000 messages updates each ticket once, not once per message);
- after a customer's language changes: its tickets.

The triggers are ENABLE ALWAYS: they also run under `session_replication_role = replica`, which seed_scale
sets to skip the foreign-key checks. The texts fed to the vector are cut (description to 100,000
characters, the messages together to 250,000) so that no thread reaches PostgreSQL's 1 MB limit of a
tsvector. Nothing on SQLite, where the column stays NULL and search reads the texts themselves.
"""

import django.contrib.postgres.search
from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION tickets_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE language WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german' ELSE 'english' END::regconfig
$$;

CREATE OR REPLACE FUNCTION tickets_ticket_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    config regconfig;
    messages text;
BEGIN
    SELECT tickets_search_config(c.language) INTO config FROM accounts_customer c WHERE c.id = NEW.customer_id;
    config := COALESCE(config, 'english');
    -- Also on INSERT: a bulk load may write the messages first (seed_scale does, so that its COPY of the
    -- tickets builds each vector once instead of updating every ticket after its messages).
    SELECT left(string_agg(m.body, E'\n' ORDER BY m.id), 250000) INTO messages
    FROM tickets_message m WHERE m.ticket_id = NEW.id;
    NEW.search_vector :=
        setweight(to_tsvector(config, COALESCE(NEW.subject, '')), 'A')
        || setweight(to_tsvector(config, left(COALESCE(NEW.description, ''), 100000)), 'B')
        || setweight(to_tsvector(config, COALESCE(messages, '')), 'C');
    RETURN NEW;
END $$;

CREATE TRIGGER tickets_ticket_search_vector
    BEFORE INSERT OR UPDATE OF subject, description, customer_id, search_vector ON tickets_ticket
    FOR EACH ROW EXECUTE FUNCTION tickets_ticket_search_vector();
ALTER TABLE tickets_ticket ENABLE ALWAYS TRIGGER tickets_ticket_search_vector;

CREATE OR REPLACE FUNCTION tickets_message_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE tickets_ticket SET search_vector = NULL WHERE id IN (SELECT ticket_id FROM old_messages);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE tickets_ticket SET search_vector = NULL
        WHERE id IN (SELECT ticket_id FROM new_messages UNION SELECT ticket_id FROM old_messages);
    ELSE
        UPDATE tickets_ticket SET search_vector = NULL WHERE id IN (SELECT ticket_id FROM new_messages);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_message_search_insert AFTER INSERT ON tickets_message
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_message_search_vector();
CREATE TRIGGER tickets_message_search_update AFTER UPDATE ON tickets_message
    REFERENCING NEW TABLE AS new_messages OLD TABLE AS old_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_message_search_vector();
CREATE TRIGGER tickets_message_search_delete AFTER DELETE ON tickets_message
    REFERENCING OLD TABLE AS old_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_message_search_vector();
ALTER TABLE tickets_message ENABLE ALWAYS TRIGGER tickets_message_search_insert;
ALTER TABLE tickets_message ENABLE ALWAYS TRIGGER tickets_message_search_update;
ALTER TABLE tickets_message ENABLE ALWAYS TRIGGER tickets_message_search_delete;

CREATE OR REPLACE FUNCTION tickets_customer_search_language() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticket SET search_vector = NULL WHERE customer_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_customer_search_language AFTER UPDATE OF language ON accounts_customer
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION tickets_customer_search_language();
ALTER TABLE accounts_customer ENABLE ALWAYS TRIGGER tickets_customer_search_language;

UPDATE tickets_ticket SET search_vector = NULL;
CREATE INDEX ticket_search_idx ON tickets_ticket USING gin (search_vector);
"""

BACKWARD = r"""
DROP INDEX IF EXISTS ticket_search_idx;
DROP TRIGGER IF EXISTS tickets_customer_search_language ON accounts_customer;
DROP TRIGGER IF EXISTS tickets_message_search_insert ON tickets_message;
DROP TRIGGER IF EXISTS tickets_message_search_update ON tickets_message;
DROP TRIGGER IF EXISTS tickets_message_search_delete ON tickets_message;
DROP TRIGGER IF EXISTS tickets_ticket_search_vector ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_customer_search_language();
DROP FUNCTION IF EXISTS tickets_message_search_vector();
DROP FUNCTION IF EXISTS tickets_ticket_search_vector();
DROP FUNCTION IF EXISTS tickets_search_config(text);
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_customer_name_trigram"), ("tickets", "0006_ticket_fee_vat_category")]
    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
