"""The app's connections to PostgreSQL plan joins in the order the ORM writes them, up to four tables."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_join_search_is_bounded(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "4"
