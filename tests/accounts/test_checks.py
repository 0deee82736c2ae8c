"""`manage.py check --deploy` names the billing entities that would print placeholder or missing data."""

from accounts.checks import billing_entities_have_their_legal_identifiers as deploy_check
from accounts.models import BillingEntity


def test_the_seeded_demo_entities_are_reported(db):
    assert sorted((warning.id, warning.obj.country) for warning in deploy_check()) == [
        ("accounts.W002", "DE"),
        ("accounts.W002", "FR"),
    ]


def test_an_entity_without_its_legal_identifiers_is_reported_with_what_it_lacks(db):
    BillingEntity.objects.update(is_demo=False)
    BillingEntity.objects.filter(country="DE").update(iban="", company_id="")

    (warning,) = deploy_check()

    assert (warning.id, warning.obj.country) == ("accounts.W001", "DE")
    assert "company_id, iban" in warning.msg
