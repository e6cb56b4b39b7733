"""Dialog replies as WhatsApp messages: clean splits, numbered options, Content templates.

WhatsApp has no inline keyboard. Options become a numbered list in the order of
``dialogs.framework.options.option_list``, the order a typed number is mapped back with; where a
number would not be read as a rank (the labels are numbers themselves: guests 50, 100…)
they are bulleted and the label is typed. Back and Cancel take no number: a last line says
which words to type ("retour", "annuler"), so a step's choices fit one message (issue 19).
The options go in the same message as the text while Twilio's 1,600 characters allow.

Configured Content templates (session only) replace the list when every label fits:
body ``{{1}}``; option i (from 0) has its title in ``{{2+2i}}`` and its id, our button
payload, in ``{{3+2i}}``. ``twilio/quick-reply``: 1-3 buttons, titles ≤ 20 characters;
``twilio/list-picker``: up to 10 items, titles ≤ 24, its button text fixed in the
template. The settings map an option count, and a language ("3:ar" before 3), to the
ContentSid built for it. Commands are written without their "/" (there is no command
menu on WhatsApp; the bare word works, bots/whatsapp/channel.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bots.photos import WHATSAPP_PHOTOS, shown_as_photo
from bots.text_split import size as size  # re-exported: Twilio's count
from bots.text_split import split_text as split
from bots.whatsapp.media import MediaLinks
from dialogs.framework.options import chosen_option, is_navigation, option_list
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import translator

TEXT_LIMIT = 1600
INTERACTIVE_BODY_LIMIT = 1024
QUICK_REPLY_MAX, QUICK_REPLY_TITLE = 3, 20
LIST_PICKER_MAX, LIST_PICKER_TITLE = 10, 24
# Every /command of both apps (their help names them), shown and typed as bare words here.
# Not "cancel": typed alone it is the form's own Cancel word (dialogs/framework/options.py).
COMMANDS: tuple[str, ...] = (
    *("start", "menu", "help", "support", "tickets", "language", "mybookings", "search"),
    *("requests", "services", "availability", "calendar", "bookings", "earnings"),
    *("register", "profile"),  # the provider bot's (issue 13)
)
_COMMAND = re.compile(r"(?<![\w/])/(" + "|".join(COMMANDS) + r")\b")
_DECORATION = re.compile(r"^\W+")
MAX_PHOTOS = 3  # one message each on WhatsApp: a profile's first few say enough


@dataclass(frozen=True, slots=True)
class WaMessage:
    """One Twilio message: text and/or one media URL, or a Content template."""

    body: str | None = None
    media_url: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


class WhatsAppRenderer:
    def __init__(
        self,
        links: MediaLinks,
        quick_reply_sids: Mapping[int | str, str] | None = None,
        list_picker_sids: Mapping[int | str, str] | None = None,
    ) -> None:
        self.links = links
        self.quick_reply_sids = {str(k): v for k, v in (quick_reply_sids or {}).items()}
        self.list_picker_sids = {str(k): v for k, v in (list_picker_sids or {}).items()}

    def render(self, reply: Reply) -> list[WaMessage]:
        photos = [u for u in reply.photos if shown_as_photo(u, WHATSAPP_PHOTOS)]
        messages = [WaMessage(media_url=self.links.url(u)) for u in photos[:MAX_PHOTOS]]
        interactive = self.interactive(reply)
        if interactive is not None:
            messages.append(interactive)
        else:
            messages += [WaMessage(body=page) for page in text_pages(reply)]
        if reply.document is not None:
            url = self.links.url(reply.document.url)
            # No body: Twilio drops a document's caption and file name on WhatsApp.
            messages.append(WaMessage(media_url=url))
        return messages

    def interactive(self, reply: Reply) -> WaMessage | None:
        """A quick reply or list picker for this reply, if one is configured and fits."""
        options = [(label, p) for label, p in option_list(reply) if not is_navigation(p)]
        labels = [" ".join(label.split()) for label, _ in options]
        body = "\n\n".join(p for p in (plain(reply.text).strip(), nav_hint(reply)) if p)
        if not options or not body or size(body) > INTERACTIVE_BODY_LIMIT:
            return None
        if len(set(labels)) != len(labels):  # WhatsApp wants every title unique
            return None
        locale = str(reply.meta.get("locale", ""))
        for sids, most, title in (
            (self.quick_reply_sids, QUICK_REPLY_MAX, QUICK_REPLY_TITLE),
            (self.list_picker_sids, LIST_PICKER_MAX, LIST_PICKER_TITLE),
        ):
            sid = sids.get(f"{len(options)}:{locale}") or sids.get(str(len(options)))
            if sid and len(options) <= most and all(0 < size(x) <= title for x in labels):
                variables = {"1": body}
                for i, (label, (_, payload)) in enumerate(zip(labels, options, strict=True)):
                    variables[str(2 + 2 * i)] = label
                    variables[str(3 + 2 * i)] = payload
                return WaMessage(content_sid=sid, content_variables=variables)
        return None


def plain(text: str) -> str:
    """The text as WhatsApp shows it: commands are typed words, not "/commands"."""
    return _COMMAND.sub(r"\1", text)


def nav_hint(reply: Reply) -> str:
    """ "Or type: retour · annuler" for the Back and Cancel a reply offers."""
    words = [
        _DECORATION.sub("", label).strip()
        for label, payload in option_list(reply)
        if is_navigation(payload)
    ]
    if not words:
        return ""
    t = translator(str(reply.meta.get("locale", "fr")))
    return t("Or type: {words}", words=" · ".join(w.lower() for w in words if w))


def option_lines(reply: Reply) -> list[str]:
    """The options as lines: "1. Casablanca" where typing the number picks it."""
    options = [o for o in option_list(reply) if not is_navigation(o[1])]
    ranked = all(
        chosen_option(options, str(n)) == payload for n, (_, payload) in enumerate(options, 1)
    )
    return [
        (f"{n}. " if ranked else "• ") + " ".join(label.split())
        for n, (label, _) in enumerate(options, 1)
    ]


def text_pages(reply: Reply) -> list[str]:
    """The reply's text and options as message bodies, each within Twilio's limit: one
    message where they fit, cut between lines where they do not."""
    lines = option_lines(reply)
    hint = nav_hint(reply)
    block = "\n".join([*lines, *([""] if lines and hint else []), *([hint] if hint else [])])
    text = plain(reply.text).rstrip("\n")
    return split_text(f"{text}\n\n{block}" if text.strip() and block else text or block)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Message bodies within Twilio's limit (bots/text_split.py)."""
    return split(text, limit)
