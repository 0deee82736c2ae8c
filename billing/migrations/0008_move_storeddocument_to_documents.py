"""StoredDocument now lives in documents (documents 0001 takes it over with its table): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_move_sentemail_to_outbox"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StoredDocument")],
            database_operations=[],
        ),
    ]
