"""An NLU parser that remembers its recent answers.

A step that understands text and then needs the database runs twice (first without a
transaction, then in one, see dialogs/framework/fast_path.py): the second run asks the same
question. With Rasa that is a second HTTP call. The answer depends only on the text, the
day and the language, so the last answers are kept.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict

from dialogs.nlu.model import NluParser, NluResult


class RememberingNlu:
    def __init__(self, parser: NluParser, *, size: int = 1024) -> None:
        self.parser, self.size = parser, size
        self._answers: OrderedDict[tuple[str, datetime.date, str], NluResult] = OrderedDict()

    async def parse(self, text: str, *, today: datetime.date, locale: str) -> NluResult:
        key = (text, today, locale)
        known = self._answers.get(key)
        if known is not None:
            self._answers.move_to_end(key)
            return known
        result = await self.parser.parse(text, today=today, locale=locale)
        self._answers[key] = result
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return result
