"""JSON log lines for machines (`--log-format json`): one object per record, with the record's structured
`fields` (e.g. crawl progress) merged in. Everything logged goes through it, Python warnings included."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({key: value for key, value in fields.items() if key not in entry})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def use_json_logging(logger: logging.Logger | None = None) -> None:
    """Give every handler of `logger` (default: the root logger) the JSON format; route warnings through logging."""
    for handler in (logger or logging.getLogger()).handlers:
        handler.setFormatter(JsonLogFormatter())
    logging.captureWarnings(True)
