"""The provider's billing entities in France and Germany, with clearly fictional example data.

Replace them in the admin (Billing entities) with the real companies before issuing invoices.
"""

from django.db import migrations

ENTITIES = [
    {
        "country": "FR",
        "legal_name": "Exemple Hébergement SAS (données fictives)",
        "address": "1 rue de l'Exemple\n59100 Roubaix\nFrance",
        "vat_id": "FR11123456782",
        "company_id": "123456782",
        "registration": "RCS Exempleville 123 456 782 (fictif), SAS au capital de 10 000 €",
        "iban": "FR7630006000011234567890189",
        "bic": "EXMPFRPPXXX",
        "currency": "EUR",
        "language": "fr",
        "late_penalty_rate": "10.00",
    },
    {
        "country": "DE",
        "legal_name": "Beispiel Hosting GmbH (fiktive Daten)",
        "address": "Musterstraße 1\n66111 Saarbrücken\nDeutschland",
        "vat_id": "DE123456788",
        "company_id": "040/123/45678",
        "registration": "Amtsgericht Musterstadt HRB 12345 (fiktiv)",
        "iban": "DE89370400440532013000",
        "bic": "BSPLDEFFXXX",
        "currency": "EUR",
        "language": "de",
        "late_penalty_rate": "9.00",
    },
]


def seed(apps, schema_editor):
    BillingEntity = apps.get_model("accounts", "BillingEntity")
    for entity in ENTITIES:
        BillingEntity.objects.update_or_create(country=entity["country"], defaults=entity)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
