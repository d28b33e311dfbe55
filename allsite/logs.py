"""Structured logs: one JSON object per line, for log collectors."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed as `extra=` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            entry["method"] = request.method
            entry["path"] = request.path
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in {"request", "status_code"}:
                entry[name] = value if isinstance(value, (str, int, float, bool)) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
