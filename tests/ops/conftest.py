"""The billing tests' fixtures: the sweeps lapse invoices and ban their accounts."""

from tests.billing.conftest import invoice  # noqa: F401 - a fixture, found by name
