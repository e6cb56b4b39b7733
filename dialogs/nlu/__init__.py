"""Free-text understanding of client messages (intents and search slots).

Only the contract is exported here so that importing it stays cheap; the parsers live in
`dialogs.nlu.builtin` (BuiltinParser) and `dialogs.nlu.rasa_adapter` (RasaParser).
"""

from dialogs.nlu.model import Intent, NluParser, NluResult

__all__ = ["Intent", "NluParser", "NluResult"]
