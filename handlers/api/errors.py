"""The public API's errors in one shape, `{"error": {"code", "message", "field"}}`, in the
language of Accept-Language: the domain's refusals with the chat's texts, the API's own from
bot/i18n/*-api.po."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web
from pydantic import ValidationError

from bot.domain.errors import Conflict, DomainError, NotFound, Refused, UsageError
from bot.domain.model import Language
from bot.i18n import Catalogs, Texts, plain
from bot.rendering.render import Renderer

log = logging.getLogger(__name__)

API_PREFIX: Final = "/api/v1/"
#: Refusals that are about who asks, not about the ticket's state.
_PERMISSION_KEYS: Final = frozenset({"refused.permission", "refused.team_permission"})


class ApiError(Exception):
    """An answer other than success: its status, code, catalog key and the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        key: str,
        field: str | None = None,
        *,
        domain: DomainError | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.key = key
        self.field = field
        self.params = params
        #: A domain error is told in the words the chat uses for it.
        self.domain = domain


def language_of(request: web.Request) -> Language:
    """The first of Accept-Language's languages (by q) that is Chinese or English; English
    when none is."""
    ranked: list[tuple[float, int, Language]] = []
    for place, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        tag = tag.strip().lower()
        if tag.startswith("zh"):
            ranked.append((-quality, place, Language.ZH))
        elif tag.startswith("en") or tag == "*":
            ranked.append((-quality, place, Language.EN))
    return min(ranked)[2] if ranked else Language.EN


def web_wording(renderer: Renderer, error: DomainError, texts: Texts) -> str:
    """A domain error in the chat's words (with the parameters the renderer fills in), as plain
    text for an HTTP answer: a usage error's last line shows a chat command, so it is left out."""
    text = renderer.error(error, texts).text
    if isinstance(error, UsageError):
        text = text.rpartition("\n")[0] or text
    return plain(text)


def of_domain(error: DomainError) -> ApiError:
    """The HTTP answer to a domain error (its text is the one the chat shows)."""
    key = error.key
    if isinstance(error, NotFound):
        return ApiError(404, "not_found", key, domain=error)
    if isinstance(error, Conflict):
        return ApiError(409, "conflict", key, domain=error)
    if isinstance(error, UsageError):
        return ApiError(422, "invalid", key, domain=error)
    if key == "refused.idempotency_key_reused":
        return ApiError(422, "idempotency_key_reused", key, "Idempotency-Key")
    if isinstance(error, Refused) and key in _PERMISSION_KEYS:
        return ApiError(403, "forbidden", key, domain=error)
    return ApiError(409, "refused", key, domain=error)


def of_validation(error: ValidationError, where: str = "") -> ApiError:
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"])
    field = location or where or None
    return ApiError(422, "invalid", "api.invalid", field, name=field or "body", detail=first["msg"])


def error_response(
    catalogs: Catalogs, renderer: Renderer, request: web.Request, error: ApiError
) -> web.Response:
    texts = catalogs[language_of(request)]
    if error.domain is not None:
        message = web_wording(renderer, error.domain, texts)
    else:
        message = plain(texts(error.key, **error.params))
    body = {"error": {"code": error.code, "message": message, "field": error.field}}
    headers = {"Content-Language": texts.language.value}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ticketbot"'
    return web.json_response(body, status=error.status, headers=headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_middleware(catalogs: Catalogs, renderer: Renderer) -> Any:
    """Turns every failure under /api/v1 (but the platform's route) into the one shape."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not path.startswith(API_PREFIX):
            return await handler(request)
        try:
            return await handler(request)
        except ApiError as error:
            return error_response(catalogs, renderer, request, error)
        except DomainError as error:
            return error_response(catalogs, renderer, request, of_domain(error))
        except web.HTTPNotFound:
            return error_response(
                catalogs, renderer, request, ApiError(404, "not_found", "api.no_route")
            )
        except web.HTTPMethodNotAllowed:
            return error_response(
                catalogs, renderer, request, ApiError(405, "not_allowed", "api.method")
            )
        except web.HTTPRequestEntityTooLarge:
            return error_response(
                catalogs, renderer, request, ApiError(413, "too_large", "api.too_large")
            )
        except Exception:
            log.exception("API %s %s failed", request.method, path)
            return error_response(
                catalogs, renderer, request, ApiError(500, "internal", "api.internal")
            )

    return middleware
