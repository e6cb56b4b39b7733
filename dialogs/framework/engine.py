"""The dialog engine: one update in, replies out, state saved — one at a time per chat."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from core.clock import Clock
from core.conversations.chat_memory import KnownConversation, committed_identity
from core.conversations.saved_state import load_conversation, save_state
from core.conversations.store import ChatRef, ConversationStore
from core.errors import DomainError
from core.inbound import claim_event
from core.notifications.direct_replies import Attempt, hand_over
from core.uow import UnitOfWorkFactory
from dialogs.framework.context import Ctx, Deps, without_transaction
from dialogs.framework.diagrams import check_arrow
from dialogs.framework.errors import APOLOGY, explain
from dialogs.framework.fast_path import run_without_transaction
from dialogs.framework.fetching import NOTHING_FETCHED, Fetch, Fetched, Fetching
from dialogs.framework.flow import Action, Answer, Flow, Go, Invalid, Outcome, Remind, Show
from dialogs.framework.kept_replies import (
    Answered,
    KeepReply,
    apology_kept,
    in_step,
    redelivered,
    sender_of,
)
from dialogs.framework.keyed_lock import KeyedLock
from dialogs.framework.options import remember_options
from dialogs.framework.reads import Reads, SessionReads
from dialogs.framework.replies import Reply
from dialogs.framework.reply_language import SWITCH, follow_message_language, with_offer
from dialogs.framework.routes import CONTROL, Route, route
from dialogs.framework.screens import answer_press, close_contact_request, press_of
from dialogs.framework.state import DialogState
from dialogs.i18n.translator import N_

log = logging.getLogger(__name__)
A = TypeVar("A")

Command = Callable[[Ctx, str], Awaitable[Outcome]]
BLOCKED = N_("Sorry, your account is suspended: we cannot take your messages.")


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: str
    chat_key: str
    user_external_id: str
    text: str | None = None
    payload: str | None = None
    # A shared contact's number, only when the channel proves it is the sender's own
    # (Telegram: contact.user_id is the sender). A number typed or shown on a web page is
    # `text`: it proves nothing and joins nothing (issue 12).
    contact_phone: str | None = None
    # A picture the sender attached, as the channel downloaded it (the provider bot takes
    # photos for the profile); ``attachment`` says why another attachment is not one
    # (ATTACHMENT_* in dialogs/framework/flow.py).
    photo: bytes | None = None
    attachment: str | None = None
    display_name: str = ""
    language_code: str | None = None
    # The channel's id for this event (Telegram update_id, Twilio MessageSid): claimed in
    # the same transaction as the effect, so a redelivery changes nothing.
    event_source: str | None = None
    event_id: str | None = None
    # The sender's number in E.164 when the channel itself vouches for it (WhatsApp's
    # From): a first contact joins the account whose proven number it is.
    verified_phone: str | None = None
    # Keep the reply in the outbox with the step (dialogs/framework/kept_replies.py): a channel that
    # must answer even if the process dies right after the commit asks for it.
    keep: KeepReply | None = None
    # For a press: the payloads of every button on the message pressed (where the channel
    # sends it with the press), so the engine knows whether it is the current screen.
    on_message: tuple[str, ...] = ()


@dataclass(frozen=True)
class DialogApp:
    """A bot's whole conversation: its flows, its /commands and its global buttons."""

    flows: dict[str, Flow]
    commands: dict[str, Action]
    globals: dict[str, Action] = field(default_factory=dict)
    home: tuple[str, str] = ("menu", "main")
    # Whether a chat this process does not remember is most likely a new person: then its
    # message is tried as a first contact, whose user the journal creates, before anything
    # is read (dialogs/framework/fast_path.py). Where most are people it knows (after a
    # restart), reading the chat first is cheaper than a first contact the journal refuses.
    strangers_write_first: bool = True


class DialogEngine:
    """Runs each update once, in order per chat, on the path its step declares: without a
    transaction when it only reads (dialogs/framework/fast_path.py), in one otherwise,
    after what the step declares it fetches is fetched (dialogs/framework/fetching.py)."""

    def __init__(
        self,
        app: DialogApp,
        uows: UnitOfWorkFactory,
        deps: Deps,
        clock: Clock,
        *,
        store: ConversationStore,
        reads: Reads,
    ) -> None:
        """Built by dialogs/bootstrap.py, which makes what is given here."""
        self.app, self.uows, self.deps, self.clock = app, uows, deps, clock
        self.deps_without_transaction = without_transaction(deps)
        self._locks = KeyedLock()
        self.store, self.reads = store, reads
        # Whether any step or button of this bot fetches before its transaction.
        self._fetches = any(
            step.fetch for flow in app.flows.values() for step in flow.steps.values()
        ) or any(action.fetch for action in [*app.commands.values(), *app.globals.values()])
        # Updates by the path they took ("fast": no transaction; "transaction"), and the
        # fast path's writes refused by the version check ("conflict"): for /metrics.
        self.paths: Counter[str] = Counter()
        # The kept replies this process's callers are sending now (outbox id -> the end of
        # their lease, monotonic): a copy of their update delivered meanwhile must not send
        # them again.
        self._sending: dict[int, float] = {}

    async def handle(self, inbound: Inbound) -> list[Reply]:
        return (await self.answer(inbound)).replies

    async def answer(self, inbound: Inbound) -> Answered:
        """The update's replies, and the attempt at them the caller holds if it keeps them
        (`Inbound.keep`): it says how that went with `delivered` or `undelivered`."""
        async with self._locks.hold(f"{inbound.channel}:{inbound.chat_key}"):
            answered = await self._answer(inbound)
            # Held until the caller says how the sending went (`delivered`, `undelivered`),
            # which happens after this chat's lock is let go.
            if answered.attempt is not None and inbound.keep is not None:
                lease = inbound.keep.lease.total_seconds()
                self._sending[answered.attempt.outbox_id] = time.monotonic() + lease
                self._forget_stale_sends()  # a caller that never said (cancelled) holds none
            return answered

    async def _answer(self, inbound: Inbound) -> Answered:
        now = self.clock.now()
        display_name = inbound.display_name.translate(CONTROL)
        answered = await run_without_transaction(self, inbound, now, display_name)
        if answered is None:
            self.paths["transaction"] += 1
            fetched = await self._fetched_first(inbound)
            answered = await self._in_transaction(inbound, now, display_name, fetched)
        else:
            self.paths["fast"] += 1
        if answered.failed:
            # The apology may write the user and the update: remembered only as read.
            chat = ChatRef(inbound.channel, inbound.chat_key, inbound.user_external_id)
            self.store.forget(chat)
            return await apology_kept(self.uows, inbound, answered.replies[0], now, display_name)
        return answered

    def sending(self) -> frozenset[int]:
        """The kept replies a caller in this process is still sending (within their lease:
        a caller that never said how it went holds none past it)."""
        self._forget_stale_sends()
        return frozenset(self._sending)

    def _forget_stale_sends(self) -> None:
        now = time.monotonic()
        for outbox_id in [i for i, until in self._sending.items() if until < now]:
            del self._sending[outbox_id]

    def delivered(self, attempt: Attempt) -> None:
        """The kept reply went out: its row is marked sent with the journal's next batch."""
        self._sending.pop(attempt.outbox_id, None)
        self.store.mark_sent(attempt, self.clock.now())

    async def undelivered(self, attempt: Attempt, rest: list[Reply], error: str) -> None:
        """Only part of the kept reply went out: the worker sends ``rest`` now."""
        self._sending.pop(attempt.outbox_id, None)
        async with self.uows() as uow:
            await hand_over(
                uow.session,
                attempt,
                [r.to_json() for r in rest],
                now=self.clock.now(),
                error=error,
            )
            await uow.commit()

    async def _fetched_first(self, inbound: Inbound) -> Fetched:
        """What the update's step declares it fetches (fetching.py), fetched now, before its
        transaction, from where the chat stands now (remembered, or read); nothing when it
        declares nothing or the chat is new. The step checks what it gets against what its
        transaction reads: the chat may move on in between."""
        if not self._fetches:
            return NOTHING_FETCHED
        chat = ChatRef(inbound.channel, inbound.chat_key, inbound.user_external_id)
        identity, conversation = self.store.remembered(chat)
        if conversation is None:
            known = await self.store.recall(chat)  # a chat this process forgot: read
            if known is None:
                return NOTHING_FETCHED
            identity, conversation = known
        state = DialogState.from_json(json.loads(conversation.state_json))
        fetch = self.route(state, inbound).fetch
        if fetch is None:
            return NOTHING_FETCHED
        user_id = identity.user_id if identity else None
        return await self._fetch(fetch, inbound, user_id, state.position)

    async def _fetch(
        self, fetch: Fetch, inbound: Inbound, user_id: int | None, position: str
    ) -> Fetched:
        fetching = Fetching(
            self.deps,
            inbound.channel,
            inbound.user_external_id,
            user_id,
            self.reads,
            self.uows.session_factory,
        )
        try:
            return Fetched(fetch, await fetch(fetching))
        except Exception:
            # As a failing step: logged. The step then goes without (fetching.py): it says
            # so, or decides on what it reads.
            log.exception("fetch before the step at %s failed", position)
            return Fetched(fetch, None)

    async def _in_transaction(
        self,
        inbound: Inbound,
        now: datetime,
        display_name: str,
        fetched: Fetched = NOTHING_FETCHED,
        *,
        refetched: bool = False,
    ) -> Answered:
        # What the process remembers of this chat may change here: it is read afresh in
        # the transaction, and remembered again only as committed.
        chat = ChatRef(inbound.channel, inbound.chat_key, inbound.user_external_id)
        self.store.forget(chat)
        async with self.uows() as uow:
            read_at = time.monotonic()  # before the read: see committed_identity
            who = await sender_of(uow, inbound, now, display_name)
            user = who.user
            if (
                inbound.event_source
                and inbound.event_id
                and not await claim_event(uow, inbound.event_source, inbound.event_id, now=now)
            ):
                # Already handled: a redelivery changes nothing (but its reply may be due).
                # This transaction ends first: on SQLite it holds the write lock.
                await uow.rollback()
                return await redelivered(self, inbound, now)
            conv = await load_conversation(uow, inbound.channel, inbound.chat_key, now=now)
            state = DialogState.from_json(conv.state)
            wanted = self.route(state, inbound).fetch
            if wanted is not None and wanted != fetched.fetch and not (refetched or user.blocked):
                # The head start was chosen from where this process remembered the chat,
                # and the chat has moved since (another process's worker recorded news on
                # a WhatsApp screen: "1" is now Pay). Fetched again, for where it stands,
                # with no transaction open, then run: once.
                user_id = user.id  # before the rollback expires the row
                await uow.rollback()
                again = await self._fetch(wanted, inbound, user_id, state.position)
                return await self._in_transaction(inbound, now, display_name, again, refetched=True)
            ctx = Ctx(
                uow,
                user,
                state,
                now,
                self.deps,
                inbound.channel,
                SessionReads(uow),
                external_id=inbound.user_external_id,
                fetched=fetched.result,
            )
            try:
                replies = await self.dispatch(ctx, inbound)
                remember_options(ctx.state, replies)
                await save_state(uow, conv, ctx.state.to_json(), now=now)
                attempt = await in_step(uow, inbound, user.id, replies, now)
                await uow.commit()  # inside: a write refused on commit gets the apology too
            except Exception:
                log.exception("dialog step failed at %s", ctx.state.position)
                # Nothing was committed, nor kept: the apology is (`apology_kept`).
                return Answered([ctx.reply(ctx.t(APOLOGY))], failed=True)
            # Committed: what the memory keeps of it is no part of the step (nor its reply).
            self.store.committed(
                chat,
                KnownConversation(conv.id, conv.version, json.dumps(conv.state)),
                committed_identity(who, read_at),
            )
            return Answered(replies, attempt)

    async def dispatch(self, ctx: Ctx, inbound: Inbound) -> list[Reply]:
        if ctx.user.blocked:
            # Blocked by an admin: no step runs, so nothing they send creates anything.
            # (A block made in another process reaches this process's memory of the user
            # within chat_memory.IDENTITY_TTL; a step that writes re-reads the user anyway.)
            return [ctx.reply(ctx.t(BLOCKED))]
        # Where the app can switch languages, Arabic typed is answered in Arabic (issue 14);
        # not content typed for clients (an Arabic title asked for by the form).
        words = None if self._takes_content(ctx.state) else inbound.text
        offer = follow_message_language(ctx, words) if SWITCH in self.app.globals else None
        press = press_of(ctx.state, inbound)
        replies = await self.route(ctx.state, inbound).run(ctx)
        replies = with_offer(replies, offer)
        return close_contact_request(ctx.state, answer_press(ctx.state, press, replies))

    def route(self, state: DialogState, inbound: Inbound) -> Route:
        """What the update will run and its declared path, before anything runs."""
        return route(self, state, inbound)

    async def cancel(self, ctx: Ctx) -> list[Reply]:
        flow = self.app.flows[ctx.state.flow]
        cancelled = (ctx.reply(ctx.t("Cancelled.")),)
        return await self.go(
            ctx, Go(flow.on_cancel[1], flow.on_cancel[0], before=cancelled, reset=True)
        )

    async def run(self, ctx: Ctx, answer: Answer) -> list[Reply]:
        flow = self.app.flows.get(ctx.state.flow)
        if flow is None or ctx.state.step not in flow.steps:
            return [await self.prompt_current(ctx)]
        origin = ctx.state.step
        outcome = await self.guarded(ctx, flow.steps[origin].answer, answer)
        if isinstance(outcome, Go):
            check_arrow(self.app.flows, flow, origin, outcome)
        return await self.apply(ctx, outcome)

    async def guarded(
        self, ctx: Ctx, handler: Callable[[Ctx, A], Awaitable[Outcome]], arg: A
    ) -> Outcome:
        """Run a handler in a savepoint: a domain error undoes its writes, not the chat's."""
        if not ctx.in_transaction:  # nothing to undo
            try:
                return await handler(ctx, arg)
            except DomainError as error:
                return Invalid(explain(error, ctx.t))
        recorded = len(ctx.uow.events)
        try:
            async with ctx.uow.savepoint():
                return await handler(ctx, arg)
        except DomainError as error:
            del ctx.uow.events[recorded:]  # the news of what was undone goes with it
            return Invalid(explain(error, ctx.t))

    async def apply(self, ctx: Ctx, outcome: Outcome) -> list[Reply]:
        if isinstance(outcome, Invalid):
            return [await self.prompt_current(ctx, note=outcome.reason)]
        if isinstance(outcome, Remind):
            ctx.state.last_payload = None  # the same button may be pressed again
            return [await self.prompt_current(ctx, note=outcome.text)]
        if isinstance(outcome, Show):
            # The screen stays: the same button may be pressed again ("try again").
            ctx.state.last_payload = None
            return [*ctx.extra_replies, *outcome.replies]
        return await self.go(ctx, outcome)

    async def go(self, ctx: Ctx, to: Go) -> list[Reply]:
        state, reset = ctx.state, to.reset
        flow_name = to.flow or state.flow
        if reset or flow_name != state.flow:
            state.history = [] if reset else [*state.history, state.position]
        elif to.step != state.step:
            state.history.append(state.position)
        if reset:
            state.data = {}
        state.flow, state.step = flow_name, to.step
        return [*to.before, *ctx.extra_replies, await self.prompt_current(ctx)]

    async def back(self, ctx: Ctx) -> list[Reply]:
        state = ctx.state
        while state.history:
            flow, _, step = state.history.pop().partition(":")
            if flow in self.app.flows and step in self.app.flows[flow].steps:
                state.flow, state.step = flow, step
                state.data.pop("_return", None)
                return [await self.prompt_current(ctx)]
        return await self.go(ctx, Go(self.app.home[1], self.app.home[0], reset=True))

    async def prompt_current(self, ctx: Ctx, *, note: str | None = None) -> Reply:
        state = ctx.state
        if state.flow not in self.app.flows or state.step not in self._flow(ctx).steps:
            state.flow, state.step, state.data = *self.app.home, {}
        state.seq += 1
        try:
            reply = await self._flow(ctx).steps[state.step].prompt(ctx)
        except DomainError as error:
            # This screen can't be shown from what the chat holds (a value out of range, a
            # search without its city): say why, and start again from home.
            state.flow, state.step, state.data, state.history = *self.app.home, {}, []
            reply = await self._flow(ctx).steps[state.step].prompt(ctx)
            note = explain(error, ctx.t) + (f"\n\n{note}" if note else "")
        if note:
            # Asked again: a screen with photos (a profile) is right above, so only the note
            # and its choices come again, not the photos and the whole text (issue 19).
            text = note if reply.photos else f"{note}\n\n{reply.text}"
            reply = ctx.reply(text, list(reply.buttons), request_contact=reply.request_contact)
        return reply

    def _flow(self, ctx: Ctx) -> Flow:
        return self.app.flows[ctx.state.flow]

    def _takes_content(self, state: DialogState) -> bool:
        flow = self.app.flows.get(state.flow)
        step = flow.steps.get(state.step) if flow is not None else None
        return step is not None and step.content
