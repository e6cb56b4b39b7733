"""Inbound WhatsApp messages: who is writing, which bot answers, and the answer queued.

One number serves both sides. A message whose sender is a provider's account (by its
WhatsApp identity or, on first contact, by the account's proven phone number) goes to the
provider dialogs; everyone else talks to the client dialogs. The number Twilio gives in
``From`` is the sender's own, so it joins the account that proved it already (say, by
sharing their contact on Telegram): one person, one user. A number someone typed proves
nothing and joins nothing (issue 12).

Answers go through the outbox (kind ``direct_reply``) rather than straight to Twilio:
Twilio waits on our webhook, a send is one REST call per message, and only an outbox row
can record the MessageSid that delivery-status callbacks report on; the worker retries,
spaces and orders them with the news that was held for this person. The row is written
with the step itself (`Inbound.keep`), so a crash after the step can't lose the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select, update

from bots.photos import Fetched
from bots.whatsapp.addresses import CHANNEL, chat_key, phone_of
from bots.whatsapp.inbound_media import TwilioMediaFetcher
from bots.whatsapp.render import COMMANDS
from core.clock import Clock
from core.db.tables import ChannelIdentity, Conversation, ProcessedEvent, Provider, User
from core.notifications.outbox import release_held
from core.uow import UnitOfWork, UnitOfWorkFactory
from dialogs.client.deeplinks import DeepLink, parse_deeplink
from dialogs.framework.engine import DialogEngine, Inbound
from dialogs.framework.kept_replies import KeepReply
from dialogs.framework.options import fold
from dialogs.framework.replies import Reply
from dialogs.provider.onboarding import FLOW as ONBOARDING_FLOW

log = logging.getLogger(__name__)
EVENT_SOURCE = "twilio"
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Where French is the everyday second language; elsewhere English is the better guess.
# Typed alone, these words are commands (compared folded, as dialogs.framework.options.fold does).
COMMAND_WORDS = {
    fold(word): command
    for word, command in {
        **{word: word for word in COMMANDS},
        "accueil": "menu",
        "القائمة": "menu",
        "aide": "help",
        "مساعدة": "help",
        "langue": "language",
        "اللغة": "language",
        "inscription": "register",
        "تسجيل": "register",
        "profil": "profile",
    }.items()
}
ONBOARDING = ONBOARDING_FLOW.name
_FRENCH_CODES = ("+212", "+213", "+216", "+33", "+32", "+41", "+352", "+221", "+225")


@dataclass(frozen=True, slots=True)
class WhatsAppInbound:
    """The parts of Twilio's inbound request we act on."""

    sid: str
    phone: str
    text: str | None = None
    payload: str | None = None
    profile_name: str = ""
    media: tuple[str, ...] = ()
    media_types: tuple[str, ...] = ()  # MediaContentType{N}, one per media URL


def parse_inbound(params: Mapping[str, str]) -> WhatsAppInbound | None:
    """None when the request is not a WhatsApp message we can answer."""
    sid = str(params.get("MessageSid", ""))
    phone = phone_of(str(params.get("From", "")))
    if not sid or phone is None:
        return None
    try:
        count = min(int(params.get("NumMedia", "0") or 0), 10)
    except ValueError:
        count = 0
    # A tapped quick reply or list item brings back our payload; its text is only a label.
    payload = str(params.get("ButtonPayload") or params.get("ListId") or "") or None
    return WhatsAppInbound(
        sid=sid[:64],
        phone=phone,
        text=None if payload else (params.get("Body") or None),
        payload=payload,
        profile_name=str(params.get("ProfileName", ""))[:100],
        media=tuple(str(params.get(f"MediaUrl{i}", "")) for i in range(count)),
        media_types=tuple(str(params.get(f"MediaContentType{i}", "")) for i in range(count)),
    )


def guess_language(message: WhatsAppInbound) -> str:
    """WhatsApp tells us no language: the script of the text, else the country code."""
    if message.text and _ARABIC.search(message.text):
        return "ar"
    return "fr" if message.phone.startswith(_FRENCH_CODES) else "en"


def as_command(text: str | None, commands: Collection[str] = COMMANDS) -> str | None:
    """A wa.me link's prefilled code (``p-studio-atlas__s-site``) opens it like /start;
    a command's bare word ("menu", "aide", "القائمة") is that command: WhatsApp has no
    command menu, and our texts name commands without their "/" there. ``commands``: the
    ones of the app that will read it; another app's word stays text (a client's
    "services" is no command of theirs)."""
    if text and " " not in text.strip() and parse_deeplink(text.strip()) != DeepLink():
        return f"/start {text.strip()}"
    word = fold(text or "")
    command = COMMAND_WORDS.get(word)
    if command is not None and command in commands:
        return f"/{command}"
    if _says_both(word, REGISTER_CUES) and _says_both(word, PROVIDER_CUES):
        return "/register"  # "je veux devenir prestataire", "بغيت نسجل كمقدم خدمة"
    return text


# Said to the one WhatsApp number, "I want to register as a provider" is the sign-up's
# command word said in a sentence: both a cue for joining and one for a provider (folded;
# parts of words, so that "كمقدم" and "m'inscrire" count).
REGISTER_CUES = tuple(
    map(
        fold,
        [
            "m inscrire",
            "inscrire mon",
            "inscription",
            "devenir",
            "register as",
            "sign up as",
            "become a",
            "نسجل",
            "التسجيل",
            "نتسجل",
            "انضم",
            "nsajal",
            "nsejel",
            "tsjil",
        ],
    )
)
PROVIDER_CUES = tuple(
    map(
        fold,
        [
            "prestatair",
            "provider",
            "fournisseur",
            "vendor",
            "partenaire",
            "partner",
            "مقدم خدم",
            "مقدم الخدم",
            "مقدمي الخدم",
            "شريك",
        ],
    )
)


def _says_both(folded: str, cues: tuple[str, ...]) -> bool:
    return any(cue in folded for cue in cues)


class WhatsAppChannel:
    def __init__(
        self,
        engines: Mapping[str, DialogEngine],
        uows: UnitOfWorkFactory,
        clock: Clock,
        media: TwilioMediaFetcher | None = None,
        queued: Callable[[], None] | None = None,
    ) -> None:
        self.engines, self.uows, self.clock = engines, uows, clock
        self.media = media  # None: attachments are not fetched (no photo is taken)
        # Told when an answer (or news released) waits for the worker: its bell, when it
        # runs in this process (bots/worker.py, OutboxBell).
        self.queued = queued

    async def receive(self, message: WhatsAppInbound) -> list[Reply]:
        """Handle one message once (Twilio's MessageSid), queue the answer; returns it."""
        # Every app's words first: "register" decides whose dialogs read the message.
        registering = as_command(message.text) == "/register"
        audience = await self.audience(message.phone, registering=registering)
        text = as_command(message.text, self.engines[audience].app.commands)
        fetched = await self._photo(message) if audience == "provider" else Fetched()
        inbound = Inbound(
            channel=CHANNEL,
            chat_key=chat_key(message.phone, audience),
            user_external_id=message.phone,
            text=text,
            payload=message.payload,
            photo=fetched.photo,
            attachment=fetched.attachment,
            display_name=message.profile_name,
            language_code=guess_language(message),
            event_source=EVENT_SOURCE,
            event_id=message.sid,
            verified_phone=message.phone,
            keep=KeepReply(audience),  # the worker sends it: no lease of our own
        )
        if message.media and not message.text and audience != "provider":
            log.info("WhatsApp media in %s not handled (%d files)", message.sid, len(message.media))
        # Before the step: the news released goes ahead of its answer. A first message has
        # no identity yet; the step makes it, and releases what waited for the account it
        # joins (core/people/users.py, `identified`).
        await self._release(message.phone, message.sid)
        replies = await self.engines[audience].handle(inbound)
        if replies and self.queued is not None:  # nothing for a redelivered MessageSid
            self.queued()
        return replies

    async def _photo(self, message: WhatsAppInbound) -> Fetched:
        """The first attachment, fetched: the provider bot takes photos for the profile."""
        if not message.media or self.media is None:
            return Fetched()
        return await self.media.fetch(message.media[0], message.media_types[0])

    async def audience(self, phone: str, *, registering: bool = False) -> str:
        """The provider dialogs for a provider's number, and for someone registering as
        one (from "register" until the account exists, or they cancel); else the client's."""
        async with self.uows() as uow:
            user_id = await uow.session.scalar(
                select(ChannelIdentity.user_id).where(
                    ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == phone
                )
            )
            if user_id is None:
                user_id = await uow.session.scalar(select(User.id).where(User.phone_e164 == phone))
            if user_id and await _is_provider(uow, user_id):
                return "provider"
            if registering or await _onboarding(uow, phone):
                return "provider"
            return "client"

    async def _release(self, phone: str, sid: str) -> None:
        """They wrote: the window is open again for what waited for them. Their contact is
        noted with the release, so that the attempt of the news released finds the window
        open even before the step writes it; and before the step, so that the news goes
        ahead of the step's answer (the worker sends one person's messages in the order
        they were queued). A message handled before (Twilio's retry, a replay) changes
        nothing. Apart from the step: lost in a crash, the held news goes at its next look
        (`HOLD_RECHECK`)."""
        now = self.clock.now()
        handled = (
            select(ProcessedEvent.id)
            .where(ProcessedEvent.source == EVENT_SOURCE, ProcessedEvent.external_id == sid)
            .exists()
        )
        async with self.uows() as uow:
            user_id = await uow.session.scalar(
                update(ChannelIdentity)
                .where(
                    ChannelIdentity.channel == CHANNEL,
                    ChannelIdentity.external_id == phone,
                    ~handled,
                )
                .values(last_inbound_at=now, unreachable=False)
                .returning(ChannelIdentity.user_id)
                .execution_options(synchronize_session=False)
            )
            if user_id is None:
                return  # a first message (nobody to release for yet), or one handled before
            await release_held(uow.session, user_id, now=now)
            await uow.commit()


async def _onboarding(uow: UnitOfWork, phone: str) -> bool:
    """Whether the number's provider conversation is in the registration."""
    state = await uow.session.scalar(
        select(Conversation.state).where(
            Conversation.channel == CHANNEL, Conversation.chat_key == chat_key(phone, "provider")
        )
    )
    return isinstance(state, dict) and state.get("flow") == ONBOARDING


async def _is_provider(uow: UnitOfWork, user_id: int) -> bool:
    query = select(Provider.id).where(Provider.user_id == user_id).limit(1)
    return await uow.session.scalar(query) is not None
