"""The billing tests' fixtures: the sweeps lapse invoices and ban their accounts."""

from tests.billing.conftest import celery_eager, invoice  # noqa: F401 - fixtures, found by name
