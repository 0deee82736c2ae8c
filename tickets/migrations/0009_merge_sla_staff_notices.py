# The response SLAs and the staff notices were built side by side; neither needs the other first.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_sla"),
        ("tickets", "0008_staff_notices"),
    ]

    operations = []
