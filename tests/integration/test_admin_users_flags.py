"""Issue 16: users blocked from `mounasabet-admin` are refused by every bot; flags are one
per cause and subject, listed, shown, resolved and created from the CLI."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.db.tables import Booking, Flag, Ticket, User
from core.support.tickets import raise_flag
from core.uow import UnitOfWorkFactory
from dialogs.framework.engine import BLOCKED
from dialogs.i18n.translator import translator
from dialogs.provider.app import PROVIDER_APP
from tests.support.admin import AdminCli, url_of
from tests.support.chat import Chat, client_chat, dialog_engine, open_market


@pytest.fixture
def admin(engine: AsyncEngine) -> AdminCli:
    return AdminCli(url_of(engine))


async def counts(uows: UnitOfWorkFactory) -> tuple[int, int]:
    async with uows() as uow:
        return (
            int(await uow.session.scalar(select(func.count()).select_from(Ticket)) or 0),
            int(await uow.session.scalar(select(func.count()).select_from(Booking)) or 0),
        )


async def test_a_blocked_user_is_refused_by_every_bot_and_creates_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock, key="c:blocked", language="fr")
    await chat.send("/start")
    [row] = await admin.json("users", "list", "--search", "test user")
    user_id = row["id"]
    shown = await admin.json("users", "show", str(user_id))
    assert (shown["blocked"], [i["channel"] for i in shown["identities"]]) == (False, ["sandbox"])

    await admin.ok("users", "block", str(user_id), "--reason", "abusive messages", "--yes")
    before = await counts(uows)
    refusal = translator("fr")(BLOCKED)
    # A step that writes reads the user afresh: refused at once, though the admin tool is
    # another process.
    await chat.send("/start p-studio-atlas")
    assert chat.text == refusal
    # Read-only screens run on this process's memory of the user, which is kept at most
    # chat_memory.IDENTITY_TTL (60 s); once that has passed, everything is refused.
    chat.engine.store.clear()
    for text in ("/support", "Mon photographe est en retard", "/start p-studio-atlas"):
        await chat.send(text)
        assert chat.text == refusal
    await chat.press("g|bk:1")
    assert chat.text == refusal
    # The provider bot refuses them too (same person, another bot).
    provider_bot = Chat(dialog_engine(PROVIDER_APP, uows, clock), "c:blocked", language="fr")
    await provider_bot.send("/support")
    assert provider_bot.text == refusal
    assert await counts(uows) == before

    assert "already blocked" in await admin.fails(
        "users", "block", str(user_id), "--reason", "x", "--yes"
    )
    await admin.ok("users", "unblock", str(user_id), "--reason", "apologised")
    await chat.send("/support")
    assert await chat.position() == "support:category"
    assert "is not blocked" in await admin.fails("users", "unblock", str(user_id))
    assert "No user #999" in await admin.fails("users", "show", "999")
    [blocked, unblocked] = await admin.json("audit", "--subject-type", "user", "--sort", "id")
    assert (blocked["action"], blocked["reason"]) == ("users.block", "abusive messages")
    assert unblocked["action"] == "users.unblock"


async def test_a_repeated_flag_updates_the_open_one(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    now = clock.now()
    for details in ({"attempt": 1}, {"attempt": 2}):
        async with uows() as uow:
            raise_flag(
                uow,
                kind="bot_blocked",
                subject_type="user",
                subject_id=7,
                now=now,
                details=details,
            )
            await uow.commit()
    async with uows() as uow:  # twice in one transaction, too
        for _ in range(2):
            raise_flag(uow, kind="bot_blocked", subject_type="user", subject_id=7, now=now)
        raise_flag(uow, kind="bot_blocked", subject_type="user", subject_id=8, now=now)
        await uow.commit()
    [seven, eight] = await admin.json("flags", "list", "--sort", "id")
    assert (seven["subject_id"], seven["occurrences"]) == ("7", 4)
    assert (eight["subject_id"], eight["occurrences"]) == ("8", 1)

    await admin.ok("flags", "resolve", str(seven["id"]), "--note", "user unblocked the bot")
    shown = await admin.json("flags", "show", str(seven["id"]))
    assert (shown["note"], shown["resolved_by"]) == ("user unblocked the bot", "ops-amina")
    assert "already resolved" in await admin.fails(
        "flags", "resolve", str(seven["id"]), "--note", "again"
    )
    # Once resolved, a new occurrence is a new flag.
    async with uows() as uow:
        raise_flag(uow, kind="bot_blocked", subject_type="user", subject_id=7, now=now)
        await uow.commit()
    open_flags = await admin.json("flags", "list")
    assert sorted(f["subject_id"] for f in open_flags) == ["7", "8"]
    assert len(await admin.json("flags", "list", "--status", "all")) == 3

    created = await admin.json(
        "flags", "create", "user_report", "booking", "42", "--note", "rude provider"
    )
    again = await admin.json(
        "flags",
        "create",
        "user_report",
        "booking",
        "42",
        "--note",
        "again",
        "--severity",
        "error",
    )
    assert again["id"] == created["id"]
    assert (again["occurrences"], again["severity"]) == (2, "error")
    assert "No flag #999" in await admin.fails("flags", "show", "999")
    async with uows() as uow:
        total = await uow.session.scalar(select(func.count()).select_from(Flag))
    assert total == 4


async def test_users_list_filters(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    chat = client_chat(uows, clock, key="c:filters")
    await chat.send("/start")
    assert [u["role"] for u in await admin.json("users", "list", "--role", "client")] == ["client"]
    assert await admin.json("users", "list", "--blocked") == []
    assert await admin.json("users", "list", "--channel", "whatsapp") == []
    async with uows() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(User)) == 1
        [user] = (await uow.session.scalars(select(User))).all()
        user.phone_e164 = "+212661234567"
        await uow.commit()
    # A phone as a caller says it, or as stored; not a part that is no number of theirs.
    for said in ("06 61 23 45 67", "0661234567", "+212 661-234567", "661234567"):
        assert [u["id"] for u in await admin.json("users", "list", "--search", said)] == [
            user.id
        ], said
    assert await admin.json("users", "list", "--search", "06 61 23 45 68") == []


async def test_two_processes_raising_the_same_first_flag_leave_one(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Both look for an open flag before either has committed one: the database's unique
    index over open flags makes the second merge into the first instead of adding a row."""
    now = clock.now()
    async with uows() as first:
        raise_flag(first, kind="user_report", subject_type="user", subject_id=7, now=now)
        await first.session.flush()  # inserted, not committed

        async def second_process() -> None:
            async with uows() as second:
                raise_flag(
                    second,
                    kind="user_report",
                    subject_type="user",
                    subject_id=7,
                    now=now + timedelta(seconds=1),
                    details={"reason": "spam"},
                    severity="error",
                )
                await second.commit()

        racing = asyncio.create_task(second_process())
        await asyncio.sleep(0.5)
        assert not racing.done()  # it waits for the first one's commit (or write lock)
        await first.commit()
    await asyncio.wait_for(racing, 30)
    async with uows() as uow:
        [flag] = (await uow.session.scalars(select(Flag))).all()
        assert (flag.occurrences, flag.severity, flag.details) == (2, "error", {"reason": "spam"})
        assert flag.resolved_at is None
