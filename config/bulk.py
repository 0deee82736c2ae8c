"""Reading and writing many rows in one statement each, the same calls on PostgreSQL and on SQLite.

The deadline sweep works a chunk of 1,000 rows per transaction. On PostgreSQL ids and rows travel as
arrays (`= ANY(%s)`, `unnest(%s, ...)`): one parameter per column, cheaper to build and parse than
1,000-item lists, and no model instance built per inserted row. Elsewhere (`make run`'s SQLite, a few
rows) each helper falls back on the ORM's portable statement. The business rules stay with the callers:
these only move rows.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Field, Model, lookups


def _field(model: type[Model], name: str) -> Field:
    return cast(Field, model._meta.get_field(name))


def _db_type(field: Field, connection: BaseDatabaseWrapper) -> str:
    # Without its modifier: cast to `varchar(20)`, a longer value would be cut short instead of refused.
    return str(field.db_type(connection)).split("(")[0]


# What Django would send for a field of these types when the value already is of the type named: psycopg
# sends it as it is. A chunk's values skip `get_db_prep_save` then (5 ms for a chunk's 1,000 credit notes).
_SENT_AS_THEY_ARE = {
    **dict.fromkeys(["CharField", "TextField"], str),
    **dict.fromkeys(
        ["AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField"], int
    ),
    **dict.fromkeys(["PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"], int),
    "BooleanField": bool,
    "DecimalField": Decimal,
    "DateField": date,
}


def _column(field: Field, values: Sequence[Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """`values` as the database receives them for `field`."""
    stored = getattr(field, "target_field", field)  # a foreign key stores its target's value
    kind = _SENT_AS_THEY_ARE.get(stored.get_internal_type())
    if kind is not None and set(map(type, values)) <= {kind, type(None)}:
        return list(values)
    return [field.get_db_prep_save(value, connection) for value in values]


class _AmongArray(lookups.In):
    """`IN (...)` everywhere, `= ANY(%s)` with one array parameter on PostgreSQL."""

    def get_prep_lookup(self):
        return self.rhs  # plain values, prepared once the field is known, in as_sql or as_postgresql

    def as_sql(self, compiler, connection):
        if not self.rhs:
            # `IN ()` is no SQL, and Django would drop a whole `update()` for it: none is among nothing.
            return "1 = 0", ()
        return super().as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = _column(field, self.rhs, connection)
        return f"{lhs} = ANY(%s::{_db_type(field, connection)}[])", (*lhs_params, values)


def among(field: str, values: Iterable[Any]) -> lookups.Lookup:
    """`field` is one of `values`: a condition for `filter()` or a boolean for `update()`."""
    return _AmongArray(F(field), list(values))


def update_from_instances(instances: Sequence[Model], fields: Sequence[str]) -> None:
    """Write back, in one statement, the values of `fields` each instance holds to its own row.

    The sweeps run each row's FSM transition in memory under the row's lock, then write the results of a
    whole chunk at once. PostgreSQL: `UPDATE ... FROM unnest(...)`, where `bulk_update` would build a
    CASE per column and row.
    """
    if not instances:
        return
    model = type(instances[0])
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: no proxy lookup per value prepared
    if db.vendor != "postgresql":
        model._default_manager.bulk_update(instances, fields)
        return
    meta, quote = model._meta, db.ops.quote_name
    columns = [_field(model, meta.pk.name)] + [_field(model, name) for name in fields]
    arrays = ", ".join(f"%s::{_db_type(column, db)}[]" for column in columns)
    names = ", ".join(quote(column.column) for column in columns)
    assignments = ", ".join(f"{quote(column.column)} = v.{quote(column.column)}" for column in columns[1:])
    values = [
        _column(column, [getattr(instance, column.attname) for instance in instances], db)
        for column in columns
    ]
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model
            f"FROM unnest({arrays}) AS v({names}) WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}",
            values,
        )


def insert_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    same: Mapping[str, Any] | None = None,
    ignore_conflicts: bool = False,
) -> list[int]:
    """Insert `rows` in one statement; the new rows' ids, in order (none for rows a conflict skipped).

    Each row maps field (or attribute) names to values, every row the same names; `same` holds the values
    all the rows share, and fields named in neither take their default, once for the whole statement.
    PostgreSQL: `INSERT ... SELECT ... FROM unnest(...)`, one array per column that differs from row to
    row and one parameter per shared value, where `bulk_create` would first build a model instance per row.
    """
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: no proxy lookup per value prepared
    given = [_field(model, name) for name in rows[0]]
    shared = {_field(model, name): value for name, value in (same or {}).items()}
    shared |= {
        field: field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key and field not in given and field not in shared
    }
    if db.vendor != "postgresql":
        common = {field.attname: value for field, value in shared.items()}
        created = model._default_manager.bulk_create(
            [model(**common, **row) for row in rows], ignore_conflicts=ignore_conflicts
        )
        return [instance.pk for instance in created if instance.pk is not None]
    quote = db.ops.quote_name
    names = ", ".join(quote(field.column) for field in [*given, *shared])
    placeholders = "".join(f", %s::{_db_type(field, db)}" for field in shared)
    arrays = ", ".join(f"%s::{_db_type(field, db)}[]" for field in given)
    # The shared values' placeholders come first in the statement: in the select list, before `unnest`.
    params = [field.get_db_prep_save(value, db) for field, value in shared.items()]
    params += [
        _column(field, [row[name] for row in rows], db) for name, field in zip(rows[0], given, strict=True)
    ]
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 - names from the model
            f"SELECT v.*{placeholders} FROM unnest({arrays}) AS v{conflicts} RETURNING {quote(model._meta.pk.column)}",
            params,
        )
        return [row[0] for row in cursor.fetchall()]
