"""NLU through a Rasa server's HTTP API, falling back to the built-in parser when it fails."""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

import aiohttp
from yarl import URL

from dialogs.nlu.builtin import BuiltinParser, detect_language
from dialogs.nlu.events import event_of
from dialogs.nlu.model import Intent, NluResult
from dialogs.nlu.normalize import MAX_CHARS, normalize
from dialogs.nlu.styles import style_of

logger = logging.getLogger(__name__)

# Rasa's FallbackClassifier answers with this name when no intent is confident enough.
RASA_FALLBACK_INTENT: Final = "nlu_fallback"
SLOT_ENTITIES: Final = ("category", "city", "date", "guests", "budget")


class RasaUnavailable(Exception):
    """Rasa answered, but not with something we can use."""


class RasaParser:
    """NluParser backed by `POST {url}/model/parse`; any failure answers with `fallback`."""

    def __init__(
        self,
        url: str,
        *,
        fallback: BuiltinParser,
        timeout: float = 1.5,
        session_factory: Callable[[], aiohttp.ClientSession] = aiohttp.ClientSession,
        auth_token: str | None = None,
    ) -> None:
        base = URL(url)
        # A query in the URL (Rasa's "?token=...") is kept for requests but never logged.
        self._endpoint = base.with_path(base.path.rstrip("/") + "/model/parse").with_query(
            base.query
        )
        self._shown = str(self._endpoint.with_query(None))
        self._fallback = fallback
        self._timeout = timeout
        self._session_factory = session_factory
        self._params = {"token": auth_token} if auth_token else {}
        self._session: aiohttp.ClientSession | None = None
        self._degraded = False

    async def parse(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        """Ask Rasa; on error, timeout or an unusable answer use the built-in parser."""
        try:
            payload = await self._request(text)
            result = self._to_result(payload, text=text, today=today)
        except Exception as exc:  # any failure of a remote dependency means "fall back"
            if not self._degraded:
                # Once per outage: a dead Rasa must not flood the log with one line a message.
                logger.warning(
                    "Rasa NLU at %s failed (%s: %s); using the built-in parser until it recovers",
                    self._shown,
                    type(exc).__name__,
                    exc,
                )
                self._degraded = True
            return await self._fallback.parse(text, today=today, locale=locale)
        if self._degraded:
            logger.info("Rasa NLU at %s answers again", self._shown)
            self._degraded = False
        return result

    async def close(self) -> None:
        """Close the HTTP session; a later `parse` opens a new one."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _client(self) -> aiohttp.ClientSession:
        """The shared session, created on first use (it needs a running event loop)."""
        if self._session is None or self._session.closed:
            self._session = self._session_factory()
        return self._session

    async def _request(self, text: str) -> Mapping[str, Any]:
        """POST the text and return the decoded JSON object."""
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        # asyncio.timeout bounds the whole exchange, body reading included.
        async with asyncio.timeout(self._timeout):
            async with self._client().post(
                self._endpoint,
                json={"text": text[:MAX_CHARS]},
                params=self._params,
                timeout=timeout,
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"HTTP {response.status}")
                payload = await response.json(content_type=None)
        if not isinstance(payload, Mapping):
            raise RasaUnavailable("answer is not a JSON object")
        return payload

    def _to_result(
        self, payload: Mapping[str, Any], *, text: str, today: datetime.date
    ) -> NluResult:
        """Map Rasa's parse answer to an NluResult, normalising entity values to our codes."""
        intent_data = payload.get("intent")
        if not isinstance(intent_data, Mapping):
            raise RasaUnavailable("answer has no intent")
        name = intent_data.get("name")
        confidence = intent_data.get("confidence")
        if not isinstance(confidence, int | float) or isinstance(confidence, bool):
            raise RasaUnavailable("intent confidence is not a number")
        intent = Intent.UNKNOWN
        if isinstance(name, str) and name in Intent.__members__.values():
            intent = Intent(name)
        said = payload.get("text")
        spans = merge_fragments(payload.get("entities"), said if isinstance(said, str) else text)
        slots = self._slots(spans, today=today)
        return NluResult(
            intent=intent,
            confidence=min(max(float(confidence), 0.0), 1.0),
            language=detect_language(normalize(text)),
            event_type=event_of(text),
            style=style_of(normalize(text), slots.get("category")),
            **slots,
        )

    def _slots(self, spans: list[tuple[str, str]], *, today: datetime.date) -> dict[str, Any]:
        """Slot values from (entity, raw value) pairs; the first usable value of each wins."""
        slots: dict[str, Any] = {}
        for kind, raw in spans:
            parsed: object
            if kind == "category":
                key, parsed = "category", self._fallback.category_code(raw)
            elif kind == "city":
                key, parsed = "city", self._fallback.city_code(raw)
            elif kind == "date":
                key, parsed = "date", self._fallback.date_value(raw, today=today)
            elif kind == "guests":
                key, parsed = "guests", self._fallback.guests_value(raw)
            else:
                key, parsed = "budget_minor", self._fallback.budget_value(raw)
            if parsed is not None and key not in slots:
                slots[key] = parsed
        return slots


def merge_fragments(entities: object, text: str) -> list[tuple[str, str]]:
    """(entity, raw value) pairs, joining adjacent pieces of one entity into one span.

    DIET tags token by token and often splits a span ("10" + "000 MAD", "14" + "juin");
    read alone, the pieces mean something else, so pieces of the same entity separated
    only by spaces are read together from the original text.
    """
    if not isinstance(entities, list):
        return []
    located: list[tuple[int, int, str, str]] = []
    loose: list[tuple[str, str]] = []
    for entity in entities:
        if not isinstance(entity, Mapping):
            continue
        kind, value = entity.get("entity"), entity.get("value")
        if kind not in SLOT_ENTITIES or value is None or isinstance(value, Mapping | list):
            continue
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            located.append((start, end, str(kind), str(value)))
        else:
            loose.append((str(kind), str(value)))
    merged: list[tuple[int, int, str, str]] = []
    for start, end, kind, value in sorted(located):
        if merged:
            prev_start, prev_end, prev_kind, _ = merged[-1]
            if prev_kind == kind and prev_end <= start and not text[prev_end:start].strip():
                merged[-1] = (prev_start, end, kind, text[prev_start:end])
                continue
        merged.append((start, end, kind, value))
    return [(kind, value) for _, _, kind, value in merged] + loose
