"""The billing tests' fixtures: the report reads invoices, payments, credit notes and bans."""

from tests.billing.conftest import celery_eager  # noqa: F401 - a fixture, found by name
