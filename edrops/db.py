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

Counters ride along (`and_add`): a row whose number is added to the row with the same key, or
inserted when there is none (`INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + EXCLUDED.n`),
as one more part of the same statement, so counting a new event costs no round trip of its own.
"""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Field, Model


@dataclass(frozen=True)
class Addition:
    """Add `row`'s `amount` field to the stored row with the same `key` fields; insert `row`
    when there is none. `row`'s primary key is left to the database."""

    row: Model
    key: tuple[str, ...]
    amount: str


def add(additions: Sequence[Addition]) -> None:
    """The additions in one statement of their own. Two with the same key are added up first:
    one statement may not update a row twice."""
    if not additions:
        return
    merged: dict[tuple, Addition] = {}
    for a in additions:
        key = tuple(getattr(a.row, name) for name in a.key)
        if key in merged:
            total = getattr(merged[key].row, a.amount) + getattr(a.row, a.amount)
            setattr(merged[key].row, a.amount, total)
        else:
            merged[key] = a
    additions = list(merged.values())
    model = type(additions[0].row)
    fields = _fields(model, True)
    sql = (
        f"INSERT INTO {_quote(model._meta.db_table)} ({_columns(fields)}) "  # noqa: S608
        f"VALUES {', '.join(['(' + ', '.join(['%s'] * len(fields)) + ')'] * len(additions))}"
        f" {_on_key_add(model, additions[0].key, additions[0].amount)}"
    )
    values = [_prepared(f, a.row) for a in additions for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def insert_unless_exists(
    *,
    row: Model,
    unique: Sequence[str],
    with_rows: Sequence[Model],
    and_add: Sequence[Addition] = (),
) -> bool:
    """Insert `row` unless one with the same `unique` fields exists, and `with_rows` and
    `and_add` only if it went in. True if it did. Every instance needs its primary key set,
    unless autoincremented (the ids of `with_rows` are then not read back)."""
    conflict = [row._meta.get_field(name).column for name in unique]
    if connection.vendor == "postgresql":
        inserted = _in_one_statement(row, conflict, with_rows, and_add)
    else:
        inserted = _in_a_transaction(row, conflict, with_rows, and_add)
    if inserted:
        for obj in (row, *with_rows):  # saved now: a later save() updates them
            obj._state.adding, obj._state.db = False, connection.alias
    return inserted


def _in_one_statement(
    row: Model, conflict: list[str], with_rows: Sequence[Model], additions: Sequence[Addition]
) -> bool:
    """Each row goes as one JSON parameter that `jsonb_populate_record` turns into the table's
    row type: the statement's text depends only on the models, so it is built once per process
    and psycopg parses it once; only the JSON changes."""
    rows = (row, *with_rows, *(a.row for a in additions))
    sql = _one_statement_sql(
        tuple(_shape(obj) for obj in (row, *with_rows)),
        tuple(conflict),
        tuple((type(a.row), a.key, a.amount) for a in additions),
    )
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
    shapes: tuple[tuple[type[Model], bool], ...],
    conflict: tuple[str, ...],
    additions: tuple[tuple[type[Model], tuple[str, ...], str], ...] = (),
) -> str:
    parts = []
    for model, autoincremented in shapes:
        columns = _columns(_fields(model, autoincremented))
        table = _quote(model._meta.db_table)
        record = f"jsonb_populate_record(NULL::{table}, %s::jsonb)"
        insert = f"INSERT INTO {table} ({columns}) SELECT {columns}"
        if not parts:
            on_conflict = ", ".join(_quote(c) for c in conflict)
            parts.append(
                f'"new" AS ({insert} FROM {record}'
                f" ON CONFLICT ({on_conflict}) DO NOTHING RETURNING 1)"
            )
        else:
            parts.append(f'"r{len(parts)}" AS ({insert} FROM "new", {record})')
    for model, key, amount in additions:
        columns = _columns(_fields(model, True))
        table = _quote(model._meta.db_table)
        record = f"jsonb_populate_record(NULL::{table}, %s::jsonb)"
        parts.append(
            f'"r{len(parts)}" AS (INSERT INTO {table} ({columns}) SELECT {columns}'  # noqa: S608
            f' FROM "new", {record} {_on_key_add(model, key, amount)})'
        )
    return f'WITH {", ".join(parts)} SELECT count(*) FROM "new"'  # noqa: S608


def _in_a_transaction(
    row: Model, conflict: list[str], with_rows: Sequence[Model], additions: Sequence[Addition]
) -> bool:
    with transaction.atomic(), connection.cursor() as cursor:
        for obj in (row, *with_rows):
            fields = _fields(*_shape(obj))
            sql = (
                f"INSERT INTO {_quote(obj._meta.db_table)} "  # noqa: S608
                f"({_columns(fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))})"
            )
            values = [_prepared(f, obj) for f in fields]
            if obj is row:
                sql += f" ON CONFLICT ({', '.join(_quote(c) for c in conflict)}) DO NOTHING"
            cursor.execute(sql, values)
            if obj is row and cursor.rowcount != 1:
                return False
        for addition in additions:
            add([addition])
    return True


def _on_key_add(model: type[Model], key: Sequence[str], amount: str) -> str:
    table = _quote(model._meta.db_table)
    key = ", ".join(_quote(model._meta.get_field(name).column) for name in key)
    amount = _quote(model._meta.get_field(amount).column)
    return f"ON CONFLICT ({key}) DO UPDATE SET {amount} = {table}.{amount} + EXCLUDED.{amount}"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(fields: Sequence[Field]) -> str:
    return ", ".join(_quote(f.column) for f in fields)


def _prepared(field: Field, obj: Model) -> Any:
    return field.get_db_prep_save(field.pre_save(obj, add=True), connection)


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
