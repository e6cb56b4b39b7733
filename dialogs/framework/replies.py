"""The rendering model: what a dialog step says, independent of any channel.

Channels turn a Reply into their own shape: Telegram inline keyboards, WhatsApp
numbered options, sandbox HTML buttons. Button payloads are short ASCII strings that
fit Telegram's 64-byte callback data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PAYLOAD_BYTES = 64


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str
    # A link to open (a payment page, an invoice) instead of an answer to send: channels
    # with link buttons show it so, the others have the link in the text (issue 19).
    url: str = ""

    def __post_init__(self) -> None:
        if not self.payload or len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload must be 1..64 bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    url: str
    mime_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    # Rows of buttons; the last rows usually hold navigation (back, cancel).
    buttons: tuple[tuple[Button, ...], ...] = ()
    photos: tuple[str, ...] = ()
    document: Document | None = None
    request_contact: bool = False
    rtl: bool = False
    # Replace the previous message instead of sending a new one (paging, filters).
    edit: bool = False
    # The answer to a press that replaces its screen without editing it (news came first,
    # photos, an older screen): the pressed message's buttons are taken away (issue 19).
    close_pressed: bool = False
    # The contact button an earlier reply asked for is done with: channels that show it
    # apart from the messages (Telegram's reply keyboard) take it away (issue 19).
    remove_keyboard: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]

    def to_json(self) -> dict[str, Any]:
        """As ``dataclasses.asdict`` would, written out: every kept reply goes through
        here on the hot path, and asdict's deep copies cost ~60 µs a screen."""
        document = self.document
        return {
            "text": self.text,
            "buttons": [
                [
                    {"label": b.label, "payload": b.payload, **({"url": b.url} if b.url else {})}
                    for b in row
                ]
                for row in self.buttons
            ],
            "photos": list(self.photos),
            "document": None
            if document is None
            else {
                "filename": document.filename,
                "url": document.url,
                "mime_type": document.mime_type,
            },
            "request_contact": self.request_contact,
            "rtl": self.rtl,
            "edit": self.edit,
            "close_pressed": self.close_pressed,
            "remove_keyboard": self.remove_keyboard,
            "meta": dict(self.meta),  # shallow: a reply on its way out is not changed
        }


LINK_ONLY = "link"


def link_button(label: str, url: str, payload: str = LINK_ONLY) -> Button:
    """A button that opens ``url``; where a channel cannot open it, ``payload`` (if it is
    not LINK_ONLY) is sent instead."""
    return Button(label, payload, url)


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The inverse of ``Reply.to_json`` (for replies kept in the outbox)."""
    document = data.get("document")
    return Reply(
        text=str(data.get("text", "")),
        buttons=tuple(
            tuple(Button(b["label"], b["payload"], b.get("url", "")) for b in row)
            for row in data.get("buttons", [])
        ),
        photos=tuple(data.get("photos", [])),
        document=Document(**document) if document else None,
        request_contact=bool(data.get("request_contact")),
        rtl=bool(data.get("rtl")),
        edit=bool(data.get("edit")),
        close_pressed=bool(data.get("close_pressed")),
        remove_keyboard=bool(data.get("remove_keyboard")),
        meta=dict(data.get("meta", {})),
    )
