"""StoredDocument moves from billing to documents with its table (billing_storeddocument): state only.

The table, its constraint and billing 0004's immutability trigger stay as they are. The model's content
type is renamed to the new app label, so its admin permissions and the groups and users holding them
follow it.
"""

import config.choices
import django.utils.timezone
from django.db import migrations, models


def content_type_rename(*, model, source, target):
    """No-op where the row does not exist yet (an empty database) or the target already does."""

    def rename(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if ContentType.objects.filter(app_label=target, model=model).exists():
            return
        ContentType.objects.filter(app_label=source, model=model).update(app_label=target)

    return rename


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("billing", "0006_invoice_guard_without_json"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StoredDocument",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("invoice", "Invoice"), ("credit_note", "Credit note"), ("quote", "Quote")],
                                max_length=20,
                            ),
                        ),
                        ("object_id", models.PositiveBigIntegerField()),
                        ("content", models.BinaryField()),
                        ("sha256", models.CharField(max_length=64)),
                        ("rendered_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "billing_storeddocument",
                        "constraints": [
                            models.UniqueConstraint(fields=("kind", "object_id"), name="stored_document_once")
                        ],
                    },
                    bases=(config.choices.CachedChoiceLabels, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_type_rename(model="storeddocument", source="billing", target="documents"),
            content_type_rename(model="storeddocument", source="documents", target="billing"),
        ),
    ]
