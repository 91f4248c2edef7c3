"""Query plans of the hot-path statements, so tests fail when an index stops being used."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ClauseElement


def explain(connection: Connection, statement: Executable, params: dict[str, Any]) -> str:
    """The backend's plan for `statement` with `params`, as one text (SQLite or PostgreSQL)."""
    assert isinstance(statement, ClauseElement)
    sql = statement.params(**params).compile(
        dialect=connection.dialect,
        compile_kwargs={"literal_binds": True, "render_postcompile": True},
    )
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in rows)
    rows = connection.exec_driver_sql(f"EXPLAIN {sql}")
    return "\n".join(str(row[0]) for row in rows)
