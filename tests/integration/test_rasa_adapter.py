"""RasaParser against a real HTTP server on loopback speaking Rasa's /model/parse protocol."""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from dialogs.nlu.builtin import BuiltinParser
from dialogs.nlu.model import Intent, NluResult
from dialogs.nlu.rasa_adapter import RasaParser

TODAY = datetime.date(2026, 5, 13)
LOGGER = "dialogs.nlu.rasa_adapter"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class FakeRasa:
    """A loopback server whose /model/parse behaviour each test chooses."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    query: list[dict[str, str]] = field(default_factory=list)
    mode: str = "ok"
    answer: dict[str, Any] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)


def rasa_answer(
    text: str, intent: str, confidence: float, entities: list[tuple[str, str]]
) -> dict[str, Any]:
    """A /model/parse answer in Rasa's documented shape, spans located in `text`."""
    found = []
    for entity, value in entities:
        start = text.find(value)
        found.append(
            {
                "entity": entity,
                "start": start,
                "end": start + len(value),
                "confidence_entity": 0.99,
                "value": value,
                "extractor": "DIETClassifier",
            }
        )
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": found,
        "intent_ranking": [
            {"name": intent, "confidence": confidence},
            {"name": "greeting", "confidence": round(1 - confidence, 4)},
        ],
    }


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    state = FakeRasa(url="")

    async def model_parse(request: web.Request) -> web.StreamResponse:
        state.requests.append(await request.json())
        state.query.append(dict(request.query))
        if state.mode == "error":
            return web.json_response({"error": "boom"}, status=500)
        if state.mode == "hang":
            await state.release.wait()
        if state.mode == "bad_json":
            return web.Response(text="{not json", content_type="application/json")
        if state.mode == "wrong_shape":
            return web.json_response(["not", "an", "object"])
        return web.json_response(state.answer)

    app = web.Application()
    app.router.add_post("/model/parse", model_parse)
    # A short shutdown so that the "hang" handler does not hold the test for a minute.
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.url = f"http://{host}:{port}"
    yield state
    state.release.set()
    await runner.cleanup()


@pytest.fixture(scope="module")
def builtin() -> BuiltinParser:
    return BuiltinParser()


@pytest.fixture
async def parser(rasa: FakeRasa, builtin: BuiltinParser) -> AsyncIterator[RasaParser]:
    adapter = RasaParser(rasa.url, fallback=builtin, timeout=0.5)
    yield adapter
    await adapter.close()


async def parse(parser: RasaParser, text: str) -> NluResult:
    return await parser.parse(text, today=TODAY, locale="fr")


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]


async def test_maps_intent_and_entities(rasa: FakeRasa, parser: RasaParser) -> None:
    text = "Je cherche une neggafa à Dar el Beida samedi prochain pour 200 invités, max 10 000 MAD"
    rasa.answer = rasa_answer(
        text,
        "search",
        0.93,
        [
            ("category", "neggafa"),
            ("city", "Dar el Beida"),
            ("date", "samedi prochain"),
            ("guests", "200 invités"),
            ("budget", "10 000 MAD"),
        ],
    )
    result = await parse(parser, text)
    assert result == NluResult(
        intent=Intent.SEARCH,
        confidence=0.93,
        category="negafa",
        city="casablanca",
        date=datetime.date(2026, 5, 16),
        guests=200,
        budget_minor=1_000_000,
        language="fr",
    )
    assert rasa.requests == [{"text": text}]


async def test_maps_arabic_spans_and_bare_numbers(rasa: FakeRasa, parser: RasaParser) -> None:
    text = "أبحث عن مصور بالرباط يوم ١٤ يونيو لـ ٢٠٠ ضيف بميزانية 5000"
    rasa.answer = rasa_answer(
        text,
        "search",
        0.88,
        [
            ("category", "مصور"),
            ("city", "بالرباط"),
            ("date", "١٤ يونيو"),
            ("guests", "٢٠٠"),
            ("budget", "5000"),
        ],
    )
    result = await parse(parser, text)
    assert (result.category, result.city, result.date) == (
        "photographer",
        "rabat",
        datetime.date(2026, 6, 14),
    )
    assert (result.guests, result.budget_minor, result.language) == (200, 500_000, "ar")


async def test_structured_values_and_unknown_entities(rasa: FakeRasa, parser: RasaParser) -> None:
    text = "dj f casa"
    answer = rasa_answer(text, "search", 0.7, [("category", "dj"), ("city", "casa")])
    answer["entities"] += [
        {"entity": "date", "start": 0, "end": 1, "value": "2026-06-14T00:00:00.000+01:00"},
        {"entity": "guests", "start": 0, "end": 1, "value": 150},
        {"entity": "mood", "start": 0, "end": 1, "value": "happy"},
        {"entity": "date", "start": 0, "end": 1, "value": {"from": None, "to": None}},
        {"entity": "category", "start": 0, "end": 1, "value": "unheard-of service"},
        "garbage",
    ]
    rasa.answer = answer
    result = await parse(parser, text)
    assert result.category == "dj"
    assert result.city == "casablanca"
    assert result.date == datetime.date(2026, 6, 14)
    assert result.guests == 150


@pytest.mark.parametrize(
    ("name", "intent"),
    [
        ("my_bookings", Intent.MY_BOOKINGS),
        ("cancel", Intent.CANCEL),
        ("help", Intent.HELP),
        ("support", Intent.SUPPORT),
        ("greeting", Intent.GREETING),
        ("nlu_fallback", Intent.UNKNOWN),
        ("chitchat", Intent.UNKNOWN),
    ],
)
async def test_intent_names(rasa: FakeRasa, parser: RasaParser, name: str, intent: Intent) -> None:
    rasa.answer = rasa_answer("x", name, 0.6, [])
    result = await parse(parser, "x")
    assert (result.intent, result.confidence) == (intent, 0.6)


@pytest.mark.parametrize("mode", ["error", "bad_json", "wrong_shape", "bad_confidence"])
async def test_failures_fall_back_and_warn_once(
    rasa: FakeRasa,
    parser: RasaParser,
    builtin: BuiltinParser,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    rasa.mode = mode
    if mode == "bad_confidence":
        rasa.mode = "ok"
        rasa.answer = {"text": "x", "intent": {"name": "search", "confidence": "high"}}
    text = "traiteur à Fès pour 300 invités"
    expected = builtin.parse_sync(text, today=TODAY, locale="fr")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in range(3):
            assert await parse(parser, text) == expected
    assert len(rasa.requests) == 3
    assert len(warnings(caplog)) == 1


async def test_hanging_server_times_out(
    rasa: FakeRasa, builtin: BuiltinParser, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.mode = "hang"
    adapter = RasaParser(rasa.url, fallback=builtin, timeout=0.2)
    text = "photographe à Rabat demain"
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            for _ in range(2):
                start = time.perf_counter()
                result = await parse(adapter, text)
                assert time.perf_counter() - start < 1.0
                assert result == builtin.parse_sync(text, today=TODAY, locale="fr")
    finally:
        await adapter.close()
    assert len(warnings(caplog)) == 1


async def test_unreachable_server_falls_back(
    builtin: BuiltinParser, caplog: pytest.LogCaptureFixture
) -> None:
    # Bind then free a port so that nothing listens on it.
    runner = web.AppRunner(web.Application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    await runner.cleanup()
    adapter = RasaParser(f"http://{host}:{port}", fallback=builtin, timeout=0.5)
    try:
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            result = await parse(adapter, "bonjour")
            await parse(adapter, "aide")
    finally:
        await adapter.close()
    assert result.intent == Intent.GREETING
    assert len(warnings(caplog)) == 1


async def test_warns_again_after_recovery(
    rasa: FakeRasa, parser: RasaParser, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.answer = rasa_answer("salut", "greeting", 0.99, [])
    with caplog.at_level(logging.INFO, logger=LOGGER):
        rasa.mode = "error"
        await parse(parser, "salut")
        await parse(parser, "salut")
        rasa.mode = "ok"
        assert (await parse(parser, "salut")).confidence == 0.99
        rasa.mode = "error"
        await parse(parser, "salut")
    assert len(warnings(caplog)) == 2
    assert any("answers again" in r.getMessage() for r in caplog.records)


async def test_one_lazy_session_closed_by_close(rasa: FakeRasa, builtin: BuiltinParser) -> None:
    sessions: list[aiohttp.ClientSession] = []

    def factory() -> aiohttp.ClientSession:
        sessions.append(aiohttp.ClientSession())
        return sessions[-1]

    rasa.answer = rasa_answer("hi", "greeting", 0.9, [])
    adapter = RasaParser(rasa.url + "/", fallback=builtin, session_factory=factory)
    assert sessions == []
    for _ in range(3):
        assert (await parse(adapter, "hi")).intent == Intent.GREETING
    assert len(sessions) == 1
    await adapter.close()
    assert sessions[0].closed
    await adapter.close()
    assert (await parse(adapter, "hi")).intent == Intent.GREETING
    assert len(sessions) == 2
    await adapter.close()
    assert sessions[1].closed


async def test_auth_token_and_long_text(rasa: FakeRasa, builtin: BuiltinParser) -> None:
    rasa.answer = rasa_answer("x", "search", 0.5, [])
    adapter = RasaParser(rasa.url, fallback=builtin, auth_token="s3cret")
    try:
        await parse(adapter, "x" * 10_000)
    finally:
        await adapter.close()
    assert rasa.query == [{"token": "s3cret"}]
    assert len(rasa.requests[0]["text"]) <= 2000


async def test_token_in_the_url_is_sent_but_never_logged(
    rasa: FakeRasa, builtin: BuiltinParser, caplog: pytest.LogCaptureFixture
) -> None:
    rasa.answer = rasa_answer("x", "search", 0.5, [])
    adapter = RasaParser(f"{rasa.url}/?token=hush", fallback=builtin)
    try:
        await parse(adapter, "x")
        rasa.mode = "error"
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            await parse(adapter, "x")
    finally:
        await adapter.close()
    assert rasa.query == [{"token": "hush"}, {"token": "hush"}]
    assert len(warnings(caplog)) == 1
    assert "hush" not in caplog.text


async def test_split_entity_pieces_are_read_together(rasa: FakeRasa, parser: RasaParser) -> None:
    text = "salle le 14 juin budget 10 000 MAD"
    answer = rasa_answer(text, "search", 0.8, [("category", "salle")])

    def piece(entity: str, value: str) -> dict[str, Any]:
        start = text.find(value)
        return {"entity": entity, "start": start, "end": start + len(value), "value": value}

    # DIET tags token by token: one span can come back as several adjacent entities.
    answer["entities"] += [
        piece("budget", "000 MAD"),
        piece("date", "14"),
        piece("date", "juin"),
        piece("budget", "10"),
        {"entity": "guests", "value": "150"},  # no offsets: used as is, never merged
    ]
    rasa.answer = answer
    result = await parse(parser, text)
    assert result.category == "venue"
    assert result.date == datetime.date(2026, 6, 14)
    assert result.budget_minor == 1_000_000
    assert result.guests == 150
