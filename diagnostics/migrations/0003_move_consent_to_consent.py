# The consent models now live in the consent app (consent 0001), on the same tables: diagnostics forgets
# them in Django's state only. No table, row, index or trigger is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('diagnostics', '0002_consent'),
        ('consent', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # Those referring to others first.
                migrations.DeleteModel(name='AuditEntry'),
                migrations.DeleteModel(name='CustomerContact'),
                migrations.DeleteModel(name='ContactObligation'),
                migrations.DeleteModel(name='Intervention'),
                migrations.DeleteModel(name='AccessRequest'),
            ],
        ),
    ]
