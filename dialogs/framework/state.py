"""Conversation state: JSON in, JSON out, so it survives any store and any restart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DialogState:
    flow: str = "menu"
    step: str = "main"
    data: dict[str, Any] = field(default_factory=dict)
    # Screen number: every prompt bumps it and its buttons carry it, so a button
    # from an older screen is recognised as stale.
    seq: int = 0
    last_payload: str | None = None
    history: list[str] = field(default_factory=list)  # "flow:step" for Back
    # The options of the last prompt as [label, payload]: channels without buttons
    # (WhatsApp) show them numbered, and a typed number or label picks one.
    options: list[list[str]] = field(default_factory=list)
    # False once a message without options was shown after them (news on WhatsApp): a
    # typed number still picks from them, but an action with consequences asks first.
    options_last: bool = True
    # A reply asked for the phone with the channel's contact button, still shown.
    contact_asked: bool = False
    # The options that news with options of its own took the numbers from, and when
    # (ISO time): a number typed just after may have been meant for them (WhatsApp).
    displaced: list[list[str]] = field(default_factory=list)
    displaced_at: str | None = None
    # The language the chat's messages were last written in, where it differs from the
    # chosen one (Arabic typed while French is chosen), and that chosen one: the presses
    # that follow are answered in it too, until a message in the other script or another
    # choice of language (reply_language.py).
    written_in: str | None = None
    written_over: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DialogState:
        if not raw:
            return cls()
        return cls(
            flow=str(raw.get("flow", "menu")),
            step=str(raw.get("step", "main")),
            data=dict(raw.get("data", {})),
            seq=int(raw.get("seq", 0)),
            last_payload=raw.get("last_payload"),
            history=[str(h) for h in raw.get("history", [])][-20:],
            options=[[str(label), str(payload)] for label, payload in raw.get("options", [])],
            options_last=bool(raw.get("options_last", True)),
            contact_asked=bool(raw.get("contact_asked", False)),
            displaced=[[str(label), str(payload)] for label, payload in raw.get("displaced", [])],
            displaced_at=raw.get("displaced_at"),
            written_in=raw.get("written_in"),
            written_over=raw.get("written_over"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "data": self.data,
            "seq": self.seq,
            "last_payload": self.last_payload,
            "history": self.history[-20:],
            "options": self.options,
            "options_last": self.options_last,
            "contact_asked": self.contact_asked,
            "displaced": self.displaced,
            "displaced_at": self.displaced_at,
            "written_in": self.written_in,
            "written_over": self.written_over,
        }

    @property
    def position(self) -> str:
        return f"{self.flow}:{self.step}"
