"""Invoice.ticket becomes a plain reference (`ticket_id`): billing no longer has a model pointing up at
tickets. State only: the column, its index and its foreign key to tickets_ticket stay in the database,
so no row moves and referential integrity is kept; the tickets app reads the relation through its
unmanaged TicketInvoice."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_move_storeddocument_to_documents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="invoice", name="invoice_one_diagnosis_fee_per_ticket"),
                migrations.RemoveField(model_name="invoice", name="ticket"),
                migrations.AddField(
                    model_name="invoice",
                    name="ticket_id",
                    field=models.PositiveBigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="ticket"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="invoice",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("charges_diagnosis_fee", True)),
                        fields=("ticket_id",),
                        name="invoice_one_diagnosis_fee_per_ticket",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
