"""Inserting a row and the rows that belong to it in one round trip.

A new event is four rows (the event, its first revision, its `received` timeline entry, its
first step's task) that commit together or not at all, and only when no event with the same
`(source, external_id)` exists. On PostgreSQL that is one statement, a data-modifying CTE:

    WITH "new" AS (INSERT INTO event (...) SELECT ... FROM <the row>
                   ON CONFLICT (source_id, external_id) DO NOTHING RETURNING 1),
         "r1" AS (INSERT INTO eventrevision (...) SELECT ... FROM "new", <the row>),
         ...
    SELECT count(*) FROM "new"

A statement is atomic on its own, so outside a transaction it costs one round trip instead of
BEGIN, four INSERTs and COMMIT. The conflict waits on the unique index like any INSERT, so
concurrent deliveries of one event still make exactly one. Elsewhere (SQLite, in-process) it is
the same INSERTs in a transaction.
"""

import functools
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Field, Model


def insert_unless_exists(*, row: Model, unique: Sequence[str], with_rows: Sequence[Model]) -> bool:
    """Insert `row` unless one with the same `unique` fields exists, and `with_rows` only if it
    went in. True if it did. Every instance needs its primary key set, unless autoincremented
    (the ids of `with_rows` are then not read back)."""
    conflict = [row._meta.get_field(name).column for name in unique]
    if connection.vendor == "postgresql":
        inserted = _in_one_statement(row, conflict, with_rows)
    else:
        inserted = _in_a_transaction(row, conflict, with_rows)
    if inserted:
        for obj in (row, *with_rows):  # saved now: a later save() updates them
            obj._state.adding, obj._state.db = False, connection.alias
    return inserted


def _in_one_statement(row: Model, conflict: list[str], with_rows: Sequence[Model]) -> bool:
    """Each row goes as one JSON parameter that `jsonb_populate_record` turns into the table's
    row type: the statement's text depends only on the models, so it is built once per process
    and psycopg parses it once; only the JSON changes."""
    rows = (row, *with_rows)
    sql = _one_statement_sql(tuple(_shape(obj) for obj in rows), tuple(conflict))
    # pre_save: each value as save() would write it (auto_now and the like).
    params = [
        json.dumps(
            {f.column: f.pre_save(o, add=True) for f in _fields(*_shape(o))}, default=_as_text
        )
        for o in rows
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] == 1


@functools.cache
def _one_statement_sql(
    shapes: tuple[tuple[type[Model], bool], ...], conflict: tuple[str, ...]
) -> str:
    quote = connection.ops.quote_name
    parts = []
    for model, autoincremented in shapes:
        columns = ", ".join(quote(f.column) for f in _fields(model, autoincremented))
        table = quote(model._meta.db_table)
        record = f"jsonb_populate_record(NULL::{table}, %s::jsonb)"
        insert = f"INSERT INTO {table} ({columns}) SELECT {columns}"
        if not parts:
            on_conflict = ", ".join(quote(c) for c in conflict)
            parts.append(
                f'"new" AS ({insert} FROM {record}'
                f" ON CONFLICT ({on_conflict}) DO NOTHING RETURNING 1)"
            )
        else:
            parts.append(f'"r{len(parts)}" AS ({insert} FROM "new", {record})')
    return f'WITH {", ".join(parts)} SELECT count(*) FROM "new"'  # noqa: S608


def _in_a_transaction(row: Model, conflict: list[str], with_rows: Sequence[Model]) -> bool:
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for obj in (row, *with_rows):
            fields = _fields(*_shape(obj))
            sql = (
                f"INSERT INTO {quote(obj._meta.db_table)} "  # noqa: S608
                f"({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"
            )
            values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
            if obj is row:
                sql += f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING"
            cursor.execute(sql, values)
            if obj is row and cursor.rowcount != 1:
                return False
    return True


def _shape(obj: Model) -> tuple[type[Model], bool]:
    """The model, and whether its primary key is left to the database (autoincremented)."""
    return type(obj), obj.pk is None


@functools.cache
def _fields(model: type[Model], autoincremented: bool) -> tuple[Field, ...]:
    """The columns to write: all of them but a primary key the database assigns."""
    return tuple(f for f in model._meta.concrete_fields if not (f.primary_key and autoincremented))


def _as_text(value: Any) -> str:
    """JSON for what it has no type for, in a form PostgreSQL reads back as the column's type."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    raise TypeError(f"no JSON form for {type(value).__name__} in a row")
