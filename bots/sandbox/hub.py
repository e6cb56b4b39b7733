"""The sandbox's chat transcripts: what each local chat has seen, in order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dialogs.framework.replies import Reply

MAX_MESSAGES = 500  # per chat: a local playground, not an archive


@dataclass
class Transcript:
    messages: list[dict[str, Any]] = field(default_factory=list)
    next_seq: int = 1

    def add(self, sender: str, body: dict[str, Any]) -> dict[str, Any]:
        message = {"seq": self.next_seq, "from": sender, **body}
        self.next_seq += 1
        self.messages.append(message)
        del self.messages[:-MAX_MESSAGES]
        return message


class SandboxHub:
    def __init__(self) -> None:
        self._chats: dict[str, Transcript] = defaultdict(Transcript)

    def user_said(self, chat_key: str, text: str) -> dict[str, Any]:
        return self._chats[chat_key].add("user", {"text": text})

    def bot_said(self, chat_key: str, reply: Reply) -> dict[str, Any]:
        body = reply.to_json()
        return self._chats[chat_key].add("bot", body)

    def since(self, chat_key: str, after: int) -> list[dict[str, Any]]:
        return [m for m in self._chats[chat_key].messages if m["seq"] > after]
