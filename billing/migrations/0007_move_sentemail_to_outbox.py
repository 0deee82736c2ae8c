"""SentEmail now belongs to the outbox (outbox 0001): billing forgets it; the table stays as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_invoice_guard_without_json'),
        ('outbox', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SentEmail')],
            database_operations=[],
        ),
    ]
