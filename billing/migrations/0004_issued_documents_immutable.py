"""Issued documents are immutable in the database itself (REL-06, LAW-07, LAW-09).

An invoice may only move out of `open` once (its status and closing time); nothing else of it, and
nothing of its lines, payments, credit notes or stored PDFs, may be updated or deleted. Whatever code
or console session tries it, PostgreSQL refuses. SQLite (make run) has no such triggers.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION billing_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% of an issued document in % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an issued invoice is never deleted' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'closed_at') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'closed_at') THEN
        RAISE EXCEPTION 'an issued invoice is never edited' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'open' THEN
        RAISE EXCEPTION 'a % invoice stays %', OLD.status, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard();
CREATE TRIGGER billing_invoiceline_immutable BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER billing_payment_immutable BEFORE UPDATE OR DELETE ON billing_payment
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER billing_creditnote_immutable BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER billing_storeddocument_immutable BEFORE UPDATE OR DELETE ON billing_storeddocument
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
"""

BACKWARD = r"""
DROP TRIGGER billing_storeddocument_immutable ON billing_storeddocument;
DROP TRIGGER billing_creditnote_immutable ON billing_creditnote;
DROP TRIGGER billing_payment_immutable ON billing_payment;
DROP TRIGGER billing_invoiceline_immutable ON billing_invoiceline;
DROP TRIGGER billing_invoice_immutable ON billing_invoice;
DROP FUNCTION billing_invoice_guard();
DROP FUNCTION billing_refuse_change();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the % of RAISE are not placeholders

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_ban_events_and_emails")]
    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
