"""SentEmail moves from billing to the outbox: the state only; the table stays `billing_sentemail`.

Its content type is renamed with it, so admin permissions granted on it survive the move.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def _rename_content_type(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=new, model="sentemail").exists():
        return
    ContentType.objects.using(db).filter(app_label=old, model="sentemail").update(app_label=new)
    ContentType.objects.clear_cache()


def content_type_to_outbox(apps, schema_editor):
    _rename_content_type(apps, schema_editor, old="billing", new="outbox")


def content_type_to_billing(apps, schema_editor):
    _rename_content_type(apps, schema_editor, old="outbox", new="billing")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0002_seed_billing_entities'),
        ('billing', '0006_invoice_guard_without_json'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SentEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40)),
                        ('object_id', models.PositiveBigIntegerField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('recipients', models.TextField(blank=True)),
                        ('language', models.CharField(blank=True, max_length=2)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='emails', to='accounts.customer')),
                    ],
                    options={
                        'db_table': 'billing_sentemail',
                        'ordering': ['-id'],
                        'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['id'], name='sent_email_pending_idx')],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'object_id'), name='sent_email_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_outbox, content_type_to_billing),
    ]
