"""A fingerprint of every row of every table: a probe that changed anything changes it."""

import hashlib

from django.apps import apps
from django.db import connection


def _tables(exclude: frozenset[str]) -> list[str]:
    return sorted(
        {m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy} - exclude
    )


def database_fingerprint(*, exclude: frozenset[str] = frozenset()) -> str:
    """`exclude`: tables a probe may write without changing anything (the session of a browser probe)."""
    tables = _tables(exclude)
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        sql = " UNION ALL ".join(
            f"SELECT {i}, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {quote(table)} t"  # noqa: S608
            for i, table in enumerate(tables)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql + " ORDER BY 1")
            return hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our table names
            digest.update(repr(sorted(map(repr, cursor.fetchall()))).encode())
    return digest.hexdigest()
