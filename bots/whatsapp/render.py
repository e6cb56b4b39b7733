"""Dialog replies as WhatsApp messages: clean splits, numbered options, Content templates.

WhatsApp has no inline keyboard. Options become a numbered list in the order of
``Reply.all_buttons()``, the order ``dialogs.options`` maps a typed number back to; where
a number would not be read as a rank (the labels are numbers themselves: guests 50,
100…) they are bulleted and the label is typed. More than ten options go in blocks of
ten, one block per message, numbered on from one block to the next.

Configured Content templates (session only) replace the list when every label fits:
body ``{{1}}``; option i (from 0) has its title in ``{{2+2i}}`` and its id, our button
payload, in ``{{3+2i}}``. ``twilio/quick-reply``: 1-3 buttons, titles ≤ 20 characters;
``twilio/list-picker``: up to 10 items, titles ≤ 24, its button text fixed in the
template. The settings map an option count to the ContentSid built for that count.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bots.photos import WHATSAPP_PHOTOS, shown_as_photo
from bots.whatsapp.media import MediaLinks
from dialogs.options import chosen_option, option_list
from dialogs.replies import Reply

TEXT_LIMIT = 1600
INTERACTIVE_BODY_LIMIT = 1024
QUICK_REPLY_MAX, QUICK_REPLY_TITLE = 3, 20
LIST_PICKER_MAX, LIST_PICKER_TITLE = 10, 24
PAGE = 10
MAX_PHOTOS = 3  # one message each on WhatsApp: a profile's first few say enough


@dataclass(frozen=True, slots=True)
class WaMessage:
    """One Twilio message: text and/or one media URL, or a Content template."""

    body: str | None = None
    media_url: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


def size(text: str) -> int:
    """Length as Twilio counts it (UTF-16 code units: an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


class WhatsAppRenderer:
    def __init__(
        self,
        links: MediaLinks,
        quick_reply_sids: Mapping[int, str] | None = None,
        list_picker_sids: Mapping[int, str] | None = None,
    ) -> None:
        self.links = links
        self.quick_reply_sids = dict(quick_reply_sids or {})
        self.list_picker_sids = dict(list_picker_sids or {})

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
        buttons = reply.all_buttons()
        labels = [b.label.strip() for b in buttons]
        body = reply.text.strip()
        if not buttons or not body or size(body) > INTERACTIVE_BODY_LIMIT:
            return None
        if len(set(labels)) != len(labels):  # WhatsApp wants every title unique
            return None
        for sids, most, title in (
            (self.quick_reply_sids, QUICK_REPLY_MAX, QUICK_REPLY_TITLE),
            (self.list_picker_sids, LIST_PICKER_MAX, LIST_PICKER_TITLE),
        ):
            sid = sids.get(len(buttons))
            if sid and len(buttons) <= most and all(0 < size(x) <= title for x in labels):
                variables = {"1": body}
                for i, (label, button) in enumerate(zip(labels, buttons, strict=True)):
                    variables[str(2 + 2 * i)] = label
                    variables[str(3 + 2 * i)] = button.payload
                return WaMessage(content_sid=sid, content_variables=variables)
        return None


def option_lines(reply: Reply) -> list[str]:
    """The options as lines: "1. Casablanca" where typing the number picks it."""
    options = option_list(reply)
    ranked = all(
        chosen_option(options, str(n)) == payload for n, (_, payload) in enumerate(options, 1)
    )
    return [
        (f"{n}. " if ranked else "• ") + " ".join(label.split())
        for n, (label, _) in enumerate(options, 1)
    ]


def text_pages(reply: Reply) -> list[str]:
    """The reply's text and options as message bodies, each within Twilio's limit."""
    pages = split_text(reply.text)
    lines = option_lines(reply)
    for start in range(0, len(lines), PAGE):
        block = "\n".join(lines[start : start + PAGE])
        if start == 0 and pages and size(pages[-1]) + 2 + size(block) <= TEXT_LIMIT:
            pages[-1] += "\n\n" + block
        else:
            pages += split_text(block)
    return pages


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit``, cut at line breaks (at spaces only inside a long line)."""
    text = text.strip("\n")
    if not text.strip():
        return []
    if size(text) <= limit:
        return [text]
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            candidate = piece if current is None else f"{current}\n{piece}"
            if size(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current or "")
                current = piece
    if current is not None:
        chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]


def _cut_line(line: str, limit: int) -> Iterator[str]:
    while size(line) > limit:
        end = limit
        while size(line[:end]) > limit:  # wide characters: step back to fit
            end -= 1
        cut = line.rfind(" ", 0, end + 1)
        if cut <= 0:
            cut = end
        yield line[:cut].rstrip()
        line = line[cut:].lstrip()
    yield line
