"""The HTTP session our bots talk to the Bot API with: aiogram's, sending JSON.

aiogram's `AiohttpSession` sends every call as a form (each nested object encoded as
JSON inside it, and a multipart writer built even when there is no file): under load that
was a fifth of the bot's CPU. The Bot API takes the same parameters as one JSON body, so
calls without a file to upload go that way; values are prepared by aiogram's own
`prepare_value` (bot defaults such as parse_mode resolved the same way). A call with a file
goes the usual multipart way.

The dialogs' replies, sent on every update, take a leaner way still (`call`): parameters
and result as plain JSON, no pydantic model built either way (building the method, its
keyboard and the returned Message cost ~0.3 ms a call). Errors are read by aiogram's own
`check_response`, so they raise the usual TelegramRetryAfter, TelegramForbiddenError...
Redirects are not followed, and an answer that is not the Bot API's is reported by its
status and size only (TelegramNetworkError, so retried), never quoted.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiohttp import ClientError
from pydantic_core import from_json, to_json

JSON_HEADERS = {"Content-Type": "application/json"}


class BotApiSession(AiohttpSession):
    # aiogram validates every answer as ``Response[<method's result type>]``, a pydantic
    # generic that pydantic caches only weakly: once the garbage collector drops it, the next
    # call rebuilds its schema (~10 ms of CPU; one call in six under load). Keep them alive.
    _pinned: ClassVar[dict[Any, type[Response[Any]]]] = {}

    def json_body(self, bot: Bot, method: TelegramMethod[Any]) -> str | None:
        """The call as one JSON object, or None if it uploads a file."""
        files: dict[str, Any] = {}
        payload = {}
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:  # as aiogram's form: empty and false values are left out
                payload[key] = prepared
        return None if files else self.json_dumps(payload)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=JSON_HEADERS,
                allow_redirects=False,  # the Bot API never redirects: the token stays ours
                timeout=self.timeout if timeout is None else timeout,  # type: ignore[arg-type]
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot, method=method, status_code=resp.status, content=raw_result
        )
        return cast(TelegramType, response.result)

    async def call(
        self, bot: Bot, method: type[TelegramMethod[Any]], params: dict[str, Any]
    ) -> Any:
        """Call ``method`` with JSON-ready ``params``; its result as plain JSON."""
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=to_json(params),  # JSON-ready: pydantic-core's encoder, 3x the stdlib's
                headers=JSON_HEADERS,
                allow_redirects=False,  # the Bot API never redirects: the token stays ours
                timeout=self.timeout,  # type: ignore[arg-type]
            ) as resp:
                raw_result = await resp.read()
        except TimeoutError as e:
            raise TelegramNetworkError(
                method=method.model_construct(**params), message="Request timeout error"
            ) from e
        except ClientError as e:
            raise TelegramNetworkError(
                method=method.model_construct(**params), message=f"{type(e).__name__}: {e}"
            ) from e
        if resp.status == 200:
            with contextlib.suppress(ValueError):  # not JSON, or not UTF-8
                answer = from_json(raw_result)
                if isinstance(answer, dict) and answer.get("ok") is True:
                    return answer.get("result")
        # Anything else is aiogram's to read: it raises the matching TelegramAPIError.
        response = self.check_response(
            bot=bot,
            method=method.model_construct(**params),
            status_code=resp.status,
            content=raw_result.decode(resp.get_encoding(), errors="replace"),
        )
        return response.result

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        if not content.lstrip().startswith("{"):
            # Not the Bot API speaking (a proxy's error page, a redirect): its body may quote
            # our URL, token and all, so only its status and size are told.
            raise TelegramNetworkError(
                method=method,
                message=f"HTTP {status_code}: not a Bot API answer ({len(content)} characters)",
            )
        returning = method.__returning__
        if returning not in self._pinned:
            self._pinned[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
