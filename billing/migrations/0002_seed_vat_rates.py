"""Standard VAT rates as dated data: the rate applied is the one valid on the chargeable day."""

from django.db import migrations

RATES = [
    ("FR", "20.00", "2014-01-01"),
    ("DE", "19.00", "2007-01-01"),
    ("DE", "16.00", "2020-07-01"),  # the temporary COVID-19 reduction
    ("DE", "19.00", "2021-01-01"),
]


def seed(apps, schema_editor):
    VatRate = apps.get_model("billing", "VatRate")
    for country, rate, valid_from in RATES:
        VatRate.objects.get_or_create(country=country, valid_from=valid_from, defaults={"rate": rate})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
