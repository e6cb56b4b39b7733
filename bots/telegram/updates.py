"""The parts of a Telegram update the bots act on, validated.

aiogram's own `Update` describes every field Telegram may send and binds each object to
the bot; validating it costs about 0.1 ms per update, and its dispatcher as much again.
The webhook reads only what the dialogs use (who, which chat, the text, the shared
contact, the pressed button) with these small pydantic models, which ignore the rest.
Polling goes through aiogram's dispatcher and hands the same JSON here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TgUser(_Part):
    id: int
    first_name: str = ""
    last_name: str | None = None
    language_code: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


class TgChat(_Part):
    id: int
    type: str


class TgContact(_Part):
    phone_number: str
    user_id: int | None = None


class TgPhotoSize(_Part):
    file_id: str
    width: int = 0
    height: int = 0
    file_size: int | None = None


class TgDocument(_Part):
    file_id: str
    mime_type: str | None = None
    file_size: int | None = None


class TgButton(_Part):
    callback_data: str | None = None


class TgInlineMarkup(_Part):
    inline_keyboard: list[list[TgButton]] = []


class TgMessage(_Part):
    message_id: int
    date: int = 0  # 0: an "inaccessible" message, too old to be shown to the bot
    chat: TgChat
    sender: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    contact: TgContact | None = None
    photo: list[TgPhotoSize] | None = None  # the sizes Telegram made, smallest first
    document: TgDocument | None = None  # a file: a picture sent uncompressed, or not one
    # Other things people send, known only so that they can be told they are no photo.
    video: dict[str, Any] | None = None
    animation: dict[str, Any] | None = None
    sticker: dict[str, Any] | None = None
    voice: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    video_note: dict[str, Any] | None = None
    reply_markup: TgInlineMarkup | None = None  # on a pressed message: its buttons

    @property
    def has_attachment(self) -> bool:
        return any(
            part is not None
            for part in (
                self.photo,
                self.document,
                self.video,
                self.animation,
                self.sticker,
                self.voice,
                self.audio,
                self.video_note,
            )
        )

    def callback_data(self) -> tuple[str, ...]:
        rows = self.reply_markup.inline_keyboard if self.reply_markup else []
        return tuple(b.callback_data for row in rows for b in row if b.callback_data)


class TgCallbackQuery(_Part):
    id: str
    sender: TgUser = Field(alias="from")
    data: str | None = None
    # Absent when the message is too old; an "inaccessible" one still has chat and id.
    message: TgMessage | None = None


class TgUpdate(_Part):
    update_id: int
    message: TgMessage | None = None
    callback_query: TgCallbackQuery | None = None
