"""The PDFs of issued documents move to the default storage (the object store of several nodes): a new
document's bytes are the file `file` names, and `content` stays empty. Rows stored before keep their bytes
in `content`, readable as ever; neither column of a stored row is ever updated (billing 0004's trigger).
Adding the column with a default writes no row on PostgreSQL (no UPDATE, so the trigger does not fire)."""

import documents.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='storeddocument',
            name='file',
            field=models.FileField(blank=True, default='', max_length=200, upload_to=documents.models.document_storage_name),
        ),
        migrations.AlterField(
            model_name='storeddocument',
            name='content',
            field=models.BinaryField(blank=True, default=b''),
        ),
    ]
