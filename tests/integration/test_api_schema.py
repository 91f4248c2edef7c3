"""The OpenAPI document is valid, and the API keeps to it: schemathesis sends what the
document allows (and what it does not) to the served API on SQLite and PostgreSQL, with a
fixed seed and a bounded number of examples. No answer may be a 5xx, every answer must have a
documented status, content type and body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis import checks

from bot.config import DatabaseSettings
from bot.domain.tokens import Scope
from handlers.api.openapi import openapi_document
from tests.conftest import BACKENDS
from tests.support.api import ServedApi
from tests.support.database import fresh_sqlite

SCHEMA = schemathesis.openapi.from_dict(openapi_document())
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/platforms/{platform}/events" in document["paths"]


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedApi]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        database = fresh_sqlite(template, tmp_path_factory.mktemp("schemathesis"))
    else:
        database = DatabaseSettings(url=request.getfixturevalue("postgres_database"))
    with ServedApi(database) as api:
        yield api


def test_the_served_document_and_docs_page(served: ServedApi) -> None:
    document = requests.get(f"{served.url}/api/v1/openapi.json", timeout=10).json()
    assert document == openapi_document()
    page = requests.get(f"{served.url}/api/v1/docs", timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    assert "openapi.json" in page.text
    # Served locally: nothing is loaded from another site.
    assert "https://" not in page.text


def test_stateful_walks_follow_the_links(served: ServedApi) -> None:
    """Open a ticket, then read it and act on it, as the document's links say, in sequences."""
    headers = {"Authorization": f"Bearer {served.tokens[Scope.PLATFORM]}"}

    class Workflow(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"base_url": served.url, "headers": headers}

        def validate_response(
            self, response: Any, case: schemathesis.Case[Any], *_: Any, **__: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS[:-1])

    Workflow.run(
        settings=settings(
            max_examples=15,
            derandomize=True,
            deadline=None,
            database=None,
            stateful_step_count=5,
            suppress_health_check=list(HealthCheck),
        )
    )


@SCHEMA.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_document(case: schemathesis.Case[Any], served: ServedApi) -> None:
    headers = {"Authorization": f"Bearer {served.tokens[Scope.PLATFORM]}"}
    case.call_and_validate(base_url=served.url, headers=headers, checks=CHECKS)
