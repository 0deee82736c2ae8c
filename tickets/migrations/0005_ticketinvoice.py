"""TicketInvoice: an unmanaged, read-only view of billing's invoice table (no database change)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_customer_status_index"),
        ("billing", "0009_invoice_ticket_reference"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketInvoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ],
            options={"db_table": "billing_invoice", "ordering": ["id"], "managed": False},
        ),
    ]
