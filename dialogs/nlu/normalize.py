"""Text normalisation shared by the lexicon, the extractors and the Rasa adapter."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final, TypeAlias

# Longest text we look at: a search request fits in a few lines (WhatsApp bodies are capped at
# 1600 chars), and bounding the input keeps every regex cheap on pathological messages.
MAX_CHARS: Final = 2000

_TRANSLATE: Final = str.maketrans(
    {
        # Arabic-Indic and Persian digits -> ASCII, so one number regex serves all scripts.
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        "\u0649": "\u064a",  # alef maqsura -> ya: users type either at word ends
        "\u0629": "\u0647",  # ta marbuta -> ha: same reason
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u06af": "\u0643",  # Moroccan gaf (أگادير) -> kaf
        "\u06ad": "\u0643",  # ng (ڭ) -> kaf
        "\u06a4": "\u0641",  # ve (ڤ) -> fa
        "\u0640": None,  # tatweel is decoration only
        "\u060c": ",",  # Arabic comma
        "\u061f": "?",  # Arabic question mark
        "\u061b": ";",
        "\u066b": ".",  # Arabic decimal separator
        "\u066c": " ",  # Arabic thousands separator
        "_": " ",  # codes such as el_jadida (from Rasa synonyms) read as words
        "'": " ",  # apostrophes split elisions: "d'invités" -> "d invités"
        "\u2019": " ",
        "`": " ",
        "\u00b4": " ",
    }
)
_LETTER_HYPHEN: Final = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_SPACES: Final = re.compile(r"\s+")
_ARABIC_LETTER: Final = re.compile(r"[\u0600-\u06ff]")
_LATIN_LETTER: Final = re.compile(r"[a-z]")


def words(listing: str) -> tuple[str, ...]:
    """Split a comma-separated word list (kept as one string so it stays compact)."""
    return tuple(w.strip() for w in listing.split(",") if w.strip())


def normalize(text: str) -> str:
    """Fold case, accents, Arabic letter variants and digits; bound the length."""
    text = text[:MAX_CHARS]
    decomposed = unicodedata.normalize("NFKD", text)
    # Dropping combining marks removes Latin accents, Arabic harakat and hamza carriers.
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold().translate(_TRANSLATE)
    folded = _LETTER_HYPHEN.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()


def is_arabic(term: str) -> bool:
    """Tell whether a (normalised) term is written in Arabic script."""
    return _ARABIC_LETTER.search(term) is not None


# Arabic clitics: conjunctions و/ف, prepositions ب/ل/ك, the Darija "f" (ف) and their pairs
# ("وب", "لل" = ل + ال); then the article ال, which the lexicon terms are stored without.
_AR_PREFIX: Final = r"(?:[وفبلك]{1,2})?(?:ال)?"
# Inflections that keep a category noun recognisable: feminine, plural, accusative.
_AR_SUFFIX: Final = r"(?:ين|ون|ات|يه|ه|ي|ا)?"
_ARTICLE: Final = "ال"


Trie: TypeAlias = dict[str, "Trie"]


def trie_regex(terms: Iterable[str]) -> str:
    """Regex source matching any of `terms`, factored as a prefix trie (longest first).

    A flat alternation of hundreds of words is retried branch by branch at every position;
    a trie fails after a character or two, which keeps long messages cheap.
    """
    root: Trie = {}
    for term in terms:
        node = root
        for char in term:
            node = node.setdefault(char, {})
        if term:
            node[""] = {}
    return _render(root) or r"(?!x)x"


def _render(node: Trie) -> str:
    """Regex source for one trie node."""
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A shorter term ends here: the continuation is optional but greedy, so longer wins.
    return f"(?:{body})?" if "" in node else body


class TermMatcher:
    """Finds lexicon terms in normalised text and maps them to their codes."""

    def __init__(
        self, table: Mapping[str, Iterable[str]], *, inflect: bool, strip_article: bool = True
    ) -> None:
        self._codes: dict[str, str] = {}
        latin: set[str] = set()
        arabic: set[str] = set()
        arabic_short: set[str] = set()
        for code, synonyms in table.items():
            for synonym in synonyms:
                norm = normalize(synonym)
                if not norm:
                    continue
                if is_arabic(norm):
                    # Only a written ال is an article (ألغي and إلغاء normalise to ال too);
                    # a base under 3 letters would be too ambiguous, so it keeps its article.
                    head = norm.split()[0]
                    if strip_article and synonym.lstrip().startswith(_ARTICLE) and len(head) >= 5:
                        norm = norm[len(_ARTICLE) :]
                    # Suffixes on a two-letter word would make unrelated common words.
                    long_enough = inflect and len(norm.split()[-1]) >= 3
                    (arabic if long_enough else arabic_short).add(norm)
                else:
                    latin.add(norm)
                self._codes.setdefault(norm, code)
        parts: list[str] = []
        if latin:
            # Darija in Latin script glues the article "l" to nouns (l3ors, lkhlas, ldj).
            prefix, plural = ("l?", "(?:s|x)?") if inflect else ("", "")
            parts.append(rf"(?<!\w){prefix}(?P<latin>{trie_regex(latin)}){plural}(?!\w)")
        if arabic:
            parts.append(rf"(?<!\w){_AR_PREFIX}(?P<arabic>{trie_regex(arabic)}){_AR_SUFFIX}(?!\w)")
        if arabic_short:
            parts.append(rf"(?<!\w){_AR_PREFIX}(?P<short>{trie_regex(arabic_short)})(?!\w)")
        self.pattern = re.compile("|".join(parts) or r"(?!x)x")

    def first(self, text: str) -> str | None:
        """Code of the earliest term in `text`, or None."""
        match = self.pattern.search(text)
        if match is None or match.lastgroup is None:
            return None
        return self._codes.get(match.group(match.lastgroup))

    def every(self, text: str) -> list[str]:
        """Codes of all the terms in `text`, in order, each once ("كازا و الرباط")."""
        codes = (self._codes.get(m.group(m.lastgroup or "")) for m in self.pattern.finditer(text))
        return list(dict.fromkeys(code for code in codes if code))

    def found(self, text: str) -> bool:
        """Whether any term occurs in `text`."""
        return self.pattern.search(text) is not None


def detect_script(text: str) -> str | None:
    """Return 'ar' or 'latin' for the dominant script of normalised text, None if neither."""
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic == 0 and latin == 0:
        return None
    return "ar" if arabic >= latin else "latin"
