"""Long texts cut into messages at line breaks (at spaces inside a long line), measured
as Twilio and Telegram count: UTF-16 code units, so an emoji may count twice."""

from __future__ import annotations

from collections.abc import Iterator


def size(text: str) -> int:
    """Length in UTF-16 code units, as Twilio and Telegram count."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
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
