"""The public API's small rules: which scope allows what, the language an error is told in,
what each action path asks of the ticket service, and what is stored of a token."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.domain.model import Action, Language, Outcome, Role
from bot.domain.tokens import ApiToken, Scope, token_hash
from handlers.api.errors import language_of
from handlers.api.models import ApiAction
from tests.support.clock import FakeClock


@pytest.mark.parametrize(
    ("scope", "allowed"),
    [
        (Scope.READ, {Scope.READ}),
        (Scope.WRITE, {Scope.READ, Scope.WRITE}),
        (Scope.PLATFORM, set(Scope)),
    ],
)
def test_each_scope_allows_itself_and_the_ones_below(scope: Scope, allowed: set[Scope]) -> None:
    assert {needed for needed in Scope if scope.allows(needed)} == allowed


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", Language.EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", Language.ZH),
        ("en-US,en;q=0.9,zh;q=0.8", Language.EN),
        ("fr, zh-Hant;q=0.5", Language.ZH),
        ("en;q=0.2, zh;q=0.7", Language.ZH),
        ("de, ja", Language.EN),
        ("zh;q=nonsense, en", Language.EN),
    ],
)
def test_errors_are_told_in_the_first_known_language(header: str, language: Language) -> None:
    request = make_mocked_request("GET", "/api/v1/tickets", headers={"Accept-Language": header})
    assert language_of(request) is language


def test_every_action_path_is_an_action_or_an_outcome() -> None:
    meant = {action: action.meant for action in ApiAction}
    assert meant[ApiAction.AGREE] is Outcome.AGREED
    assert meant[ApiAction.NOTE] is Action.NOTE
    assert {a for a in ApiAction if a.platform_only} == {
        ApiAction.ESCALATE,
        ApiAction.PLATFORM_RULE,
        ApiAction.DECIDE_APPEAL,
    }


def test_a_token_acts_as_no_person_and_keeps_only_a_hash() -> None:
    token = ApiToken(1, 7, "erp", Scope.WRITE, FakeClock().now())
    assert (token.actor().user_id, token.actor().team_role) == (0, Role.SUPERVISOR)
    assert token.actor(platform=True).team_role is Role.SYSTEM
    digest = token_hash("tbk_secret")
    assert digest == token_hash("tbk_secret")
    assert "secret" not in digest
    assert len(digest) == 64
