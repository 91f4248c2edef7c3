"""The hot path's statements, compiled once and run on SQLite's own cursor.

Inside the bot, SQLAlchemy's execute path (an execution context, its events, a result object)
costs about 35 µs a statement: `/ticket`'s six statements took 437 µs through it against 43 µs
on the sqlite3 cursor, with the same SQL and the same values (bench.e2e's set-up, this
machine). The statements that every command and every card run are therefore `Prepared`:
SQLAlchemy still builds and compiles them and does all the type handling (each bind's and each
result column's own processors, so UTC datetimes and JSON go in and come out exactly as
through `Connection.execute`); only the call into the driver is ours.

A statement that cannot run this way as compiled (an expanding IN list, a default computed at
execution, a missing parameter) and every statement on PostgreSQL go through
`Connection.execute`, and give the same answers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from operator import itemgetter
from typing import Any, Final, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Params = Mapping[str, Any]
#: A row as a mapping of its column names (SQLAlchemy's RowMapping is one too).
Row = Mapping[Any, Any]
Processor = Callable[[Any], Any]

#: A bind that only the caller's parameters can fill.
_REQUIRED: Final = object()


class _Compiled:
    """One statement's SQLite form for one set of parameter names."""

    __slots__ = ("_binds", "_constants", "_pick", "_result_count", "_results", "names", "sql")

    def __init__(
        self,
        sql: str,
        binds: tuple[tuple[str, Any, Processor | None], ...],
        results: tuple[Processor | None, ...],
    ) -> None:
        self.sql = sql
        names = [name for name, _, _ in binds]
        #: Per `?` in order, the parameter's value: picked from the caller's parameters (with
        #: the statement's own constants, which fill what the caller does not give).
        self._pick = itemgetter(*names) if len(names) > 1 else _one(names)
        self._constants = {name: value for name, value, _ in binds if value is not _REQUIRED}
        #: The positions whose type processes a value, and how.
        self._binds = tuple((i, process) for i, (_, _, process) in enumerate(binds) if process)
        self._results = tuple((i, process) for i, process in enumerate(results) if process)
        #: The result columns' names, from the cursor of the first run; how many are typed.
        self.names: tuple[str, ...] | None = None if results else ()
        self._result_count = len(results)

    def values(self, params: Params) -> list[Any] | None:
        """The positional values, processed; None if a required one is missing."""
        try:
            values = list(self._pick({**self._constants, **params} if self._constants else params))
        except KeyError:
            return None
        for i, process in self._binds:
            values[i] = process(values[i])
        return values

    def rows(self, cursor: sqlite3.Cursor) -> list[Row]:
        fetched = cursor.fetchall()
        names = self.names
        if names is None:
            names = self.names = tuple(column[0] for column in cursor.description)
            if len(names) != self._result_count:
                raise RuntimeError(f"{len(names)} columns where {self._result_count} were typed")
        found: list[Row] = []
        for row in fetched:
            values = list(row)
            for i, process in self._results:
                values[i] = process(values[i])
            found.append(dict(zip(names, values, strict=True)))
        return found


def _one(names: list[str]) -> Callable[[Params], tuple[Any, ...]]:
    """itemgetter's shape for no name or one name (it returns a bare value for one)."""
    if not names:
        return lambda params: ()
    [name] = names
    return lambda params: (params[name],)


class Prepared:
    """A statement built once (a module constant), compiled once per set of parameter names.

    The SQLite form is kept for the first SQLite dialect that runs it: the bot configures one
    (its engine's), and SQLite dialects differ only in options the hot path does not use.
    """

    __slots__ = ("_sqlite", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._sqlite: dict[tuple[str, ...], _Compiled | None] = {}

    def sqlite(self, dialect: Dialect, keys: Collection[str]) -> _Compiled | None:
        """The SQLite form for these parameter names; None when it needs SQLAlchemy's own
        execution (a default computed then, a list expanded then)."""
        key = tuple(keys)
        try:
            return self._sqlite[key]
        except KeyError:
            compiled = self._sqlite[key] = _compile(self.statement, dialect, key)
            return compiled


def _compile(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled | None:
    compiled = cast(ClauseElement, statement).compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.positiontup is None
    ):
        return None
    binds = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        default = _REQUIRED if bind.required or bind.callable is not None else bind.value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, default, process))
    returned = getattr(statement, "exported_columns", ())
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in returned
    )
    return _Compiled(compiled.string, tuple(binds), results)


def _on_sqlite(
    connection: Connection, prepared: Prepared, many: Sequence[Params]
) -> tuple[_Compiled, list[list[Any]]] | None:
    """The SQLite form and each run's values; None when this goes through SQLAlchemy."""
    if connection.dialect.name != "sqlite":
        return None
    compiled = prepared.sqlite(connection.dialect, many[0].keys())
    if compiled is None:
        return None
    runs = []
    for params in many:
        values = compiled.values(params)
        if values is None:
            return None
        runs.append(values)
    return compiled, runs


def on_driver(
    connection: Connection, sql: str, runs: Sequence[Sequence[Any]] = ((),)
) -> sqlite3.Cursor:
    """Run SQL on an SQLite connection's driver, once per run's values; failures raise what
    SQLAlchemy would have raised (IntegrityError, OperationalError, …)."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    try:
        if len(runs) == 1:
            return driver.execute(sql, runs[0])
        return driver.executemany(sql, runs)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, runs, error, sqlite3.Error) from error


def rows(connection: Connection, prepared: Prepared, params: Params) -> list[Row]:
    """Every row the statement returns, as a mapping of column names to values."""
    ready = _on_sqlite(connection, prepared, (params,))
    if ready is None:
        return list(connection.execute(prepared.statement, dict(params)).mappings().all())
    compiled, runs = ready
    return compiled.rows(on_driver(connection, compiled.sql, runs))


def first(connection: Connection, prepared: Prepared, params: Params) -> Row | None:
    """The first row, or None."""
    found = rows(connection, prepared, params)
    return found[0] if found else None


def scalar(connection: Connection, prepared: Prepared, params: Params) -> Any:
    """The first column of the first row, or None."""
    row = first(connection, prepared, params)
    return None if row is None else next(iter(row.values()))


def execute(connection: Connection, prepared: Prepared, params: Params) -> int:
    """Run a statement that returns no rows; how many rows it changed."""
    ready = _on_sqlite(connection, prepared, (params,))
    if ready is None:
        return int(connection.execute(prepared.statement, dict(params)).rowcount)
    compiled, runs = ready
    return int(on_driver(connection, compiled.sql, runs).rowcount)


def execute_many(connection: Connection, prepared: Prepared, many: Sequence[Params]) -> None:
    """Run a statement that returns no rows once for each set of parameters."""
    if not many:
        return
    ready = _on_sqlite(connection, prepared, many)
    if ready is None:
        connection.execute(prepared.statement, [dict(params) for params in many])
    else:
        compiled, runs = ready
        on_driver(connection, compiled.sql, runs)
