"""Log lines for people and for machines: readable text on a terminal, one JSON object
per line otherwise (a container's log collector, a file). Every line carries the trace
id of what was being handled (core/tracing.py), or "-".

Secrets are masked before any of this formats a record (core/redaction.py's filter on
the handler); the records themselves carry ids, never names, phones or message text.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from core.tracing import current_trace

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(trace)s] %(message)s"


class TraceFilter(logging.Filter):
    """Puts the current trace id on the record (``%(trace)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace = current_trace() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "trace": getattr(record, "trace", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # already masked by the redacting filter, when installed
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def log_handler(
    stream: IO[str] | None = None, *, json_lines: bool | None = None
) -> logging.Handler:
    """A handler on ``stream`` (stderr): JSON lines unless it is a terminal."""
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    as_json = not target.isatty() if json_lines is None else json_lines
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(TraceFilter())
    return handler
