"""Writing back, in one statement, what state-machine transitions set on many rows in memory."""

from django.db import connection


def update_from_instances(instances: list, fields: list[str]) -> None:
    """`UPDATE … FROM unnest(…)`: each row gets the values of `fields` its instance holds.

    The sweeps run each row's FSM transition in memory under the row's lock, then write the results of
    a whole chunk at once; `bulk_update` would build a CASE per column and row instead. PostgreSQL only.
    """
    if not instances:
        return
    model = type(instances[0])
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.pk] + [meta.get_field(name) for name in fields]
    arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    names = ", ".join(quote(column.column) for column in columns)
    assignments = ", ".join(f"{quote(column.column)} = v.{quote(column.column)}" for column in columns[1:])
    values = [
        [column.get_db_prep_value(getattr(instance, column.attname), connection) for instance in instances]
        for column in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608 - names from the model
            f"FROM unnest({arrays}) AS v({names}) WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)}",
            values,
        )
