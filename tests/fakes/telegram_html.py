"""Telegram's text rules for the fake Bot API: parse modes, trimming and Telegram HTML.

The HTML rules follow TDLib's `parse_html` (td/telegram/MessageEntity.cpp), which is what the
Bot API server runs: same tags, same entities, same error wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_objects import JSON, bad_request, utf16_len


def format_text(raw: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON]]:
    """Text and entities after parsing and trimming, as Telegram stores them."""
    if entities is not None:
        if not isinstance(entities, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("offset"), int)
            and isinstance(e.get("length"), int)
            for e in entities
        ):
            raise bad_request("can't parse entities JSON object")
        text, found = raw, [dict(e) for e in entities]
    elif parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            text, found = parse_html(raw)
        elif mode in ("markdown", "markdownv2"):
            raise bad_request(f"parse_mode {parse_mode} is not implemented by the fake Bot API")
        else:
            raise bad_request("unsupported parse_mode")
    else:
        text, found = raw, []
    return _trim(text, found)


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    start, end = 0, len(text)
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    lead, stop = utf16_len(text[:start]), utf16_len(text[:end])
    kept = []
    for entity in entities:
        begin = max(entity["offset"], lead)
        finish = min(entity["offset"] + entity["length"], stop)
        if finish > begin:
            kept.append({**entity, "offset": begin - lead, "length": finish - begin})
    return text[start:end], kept


# ---- Telegram HTML (a port of TDLib's parse_html) ----------------------------------------------

_TAGS = {
    *("a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler"),
    *("tg-emoji", "span", "pre", "code", "blockquote"),
}
_SIMPLE = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_END = "\0"  # TDLib reads past the text as NUL
_SPACE = " \t\r\n\v\0"


class HtmlError(Exception):
    pass


def _decode_entity(s: str, pos: int) -> tuple[str, int] | None:
    """The character of an HTML entity at `pos` and the position after it, or None if none."""
    end = pos + 1
    if s.startswith("#", end):
        end += 1
        base, digits = 10, "0123456789"
        if s.startswith("x", end):
            end += 1
            base, digits = 16, "0123456789abcdefABCDEF"
        start = end
        while end < len(s) and s[end] in digits:
            end += 1
        code = int(s[start:end], base) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise HtmlError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        while end < len(s) and s[end].isascii() and s[end].isalpha():
            end += 1
        found = _NAMED.get(s[pos + 1 : end])
        if found is None:
            return None  # unsupported names stay as written
        char = found
    if s.startswith(";", end):
        end += 1
    return char, end


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16
    begin: int  # index in the output


def parse_html(s: str) -> tuple[str, list[JSON]]:
    """Plain text and entities of Telegram HTML; ApiError "can't parse entities: ..." if bad."""
    try:
        return _parse_html(s)
    except HtmlError as e:
        raise bad_request(f"can't parse entities: {e}") from None


def _parse_html(s: str) -> tuple[str, list[JSON]]:
    def at(k: int) -> str:
        return s[k] if k < len(s) else _END

    def byte(k: int) -> int:
        return len(s[:k].encode())

    out: list[str] = []
    utf16 = 0
    stack: list[_Open] = []
    entities: list[JSON] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "&" and (decoded := _decode_entity(s, i)) is not None:
            char, i = decoded
            out.append(char)
            utf16 += utf16_len(char)
            continue
        if c != "<":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            i, tag, argument = _start_tag(s, begin, i, at, byte)
            stack.append(_Open(tag, argument, utf16, len(out)))
            i += 1
            continue
        if not stack:
            raise HtmlError(f"Unexpected end tag at byte offset {byte(begin)}")
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        end_name = s[begin + 2 : i].lower()
        while at(i) in _SPACE and at(i) != _END:
            i += 1
        if at(i) != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {byte(begin)}")
        top = stack.pop()
        if end_name and end_name != top.tag:
            raise HtmlError(
                f'Unmatched end tag at byte offset {byte(begin)}, expected "</{top.tag}>", '
                f'found "</{end_name}>"'
            )
        if utf16 > top.offset:
            _close(top, utf16 - top.offset, "".join(out[top.begin :]), entities)
        i += 1
    if stack:
        raise HtmlError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _start_tag(s: str, begin: int, i: int, at: Any, byte: Any) -> tuple[int, str, str]:
    """Read `<tag attr="v" ...`; returns the index of '>', the tag and its argument."""
    while at(i) not in _SPACE and at(i) != ">":
        i += 1
    if at(i) == _END:
        raise HtmlError(f"Unclosed start tag at byte offset {byte(begin)}")
    tag = s[begin + 1 : i].lower()
    if tag not in _TAGS:
        raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {byte(begin)}')
    argument = ""
    while at(i) != ">":
        while at(i) != _END and at(i) in _SPACE:
            i += 1
        if at(i) == ">":
            break
        name_begin = i
        while at(i) not in _SPACE and at(i) != "=":
            i += 1
        name = s[name_begin:i]
        if not name:
            raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {byte(begin)}')
        while at(i) != _END and at(i) in _SPACE:
            i += 1
        if at(i) != "=":
            raise HtmlError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {byte(begin)}'
            )
        i += 1
        while at(i) != _END and at(i) in _SPACE:
            i += 1
        if at(i) == _END:
            raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {byte(begin)}')
        if at(i) not in "'\"":
            token_begin = i
            while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                i += 1
            value = s[token_begin:i].lower()
            if at(i) not in _SPACE and at(i) != ">":
                raise HtmlError(f"Unexpected end of name token at byte offset {byte(token_begin)}")
        else:
            quote = at(i)
            i += 1
            chars: list[str] = []
            while at(i) != quote and at(i) != _END:
                if at(i) == "&" and (decoded := _decode_entity(s, i)) is not None:
                    char, i = decoded
                    chars.append(char)
                    continue
                chars.append(at(i))
                i += 1
            if at(i) == quote:
                i += 1
            value = "".join(chars)
        if at(i) == _END:
            raise HtmlError(f"Unclosed start tag at byte offset {byte(begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte(begin)}')
    return i, tag, argument


def _close(top: _Open, length: int, inner: str, entities: list[JSON]) -> None:
    """Add the entity of a closed tag (a port of TDLib's choices, pre/code pairing included)."""
    base = {"offset": top.offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (top.offset, length)
    if top.tag in _SIMPLE:
        entities.append({"type": _SIMPLE[top.tag], **base})
    elif top.tag == "tg-emoji":
        if not top.argument.isdigit() or int(top.argument) == 0:
            raise HtmlError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **base, "custom_emoji_id": top.argument})
    elif top.tag == "a":
        url = _checked_link(top.argument or inner)
        if url is not None:
            entities.append({"type": "text_link", **base, "url": url})
    elif top.tag == "pre":
        if last is not None and same_span and last["type"] == "code" and last.get("_language"):
            last["type"] = "pre"
            last["language"] = last.pop("_language")
        else:
            entities.append({"type": "pre", **base})
    elif top.tag == "code":
        if last is not None and same_span and last["type"] == "pre" and top.argument:
            last["language"] = top.argument
        else:
            entities.append({"type": "code", **base, "_language": top.argument})


def _checked_link(url: str) -> str | None:
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme, sep, rest = url.partition("://")
    if not sep:
        return f"http://{url}" if "." in url else None
    return url if scheme.lower() in ("http", "https", "tg", "ton") and rest else None
