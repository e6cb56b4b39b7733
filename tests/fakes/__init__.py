"""Protocol-faithful fakes of the outside services our bots talk to."""

from tests.fakes.telegram_api import BotRef, FakeBot, FakeTelegramAPI, RateLimits
from tests.fakes.telegram_html import parse_html
from tests.fakes.telegram_objects import (
    ApiError,
    CallbackAnswer,
    Delivery,
    FakeUser,
    MessageEdit,
    RecordedCall,
    StoredMessage,
    UploadedFile,
)

__all__ = [
    "ApiError",
    "BotRef",
    "CallbackAnswer",
    "Delivery",
    "FakeBot",
    "FakeTelegramAPI",
    "FakeUser",
    "MessageEdit",
    "RateLimits",
    "RecordedCall",
    "StoredMessage",
    "UploadedFile",
    "parse_html",
]
