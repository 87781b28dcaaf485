"""JSON-lines logging for the rotation function.

One JSON object per line on stdout (Lambda sends stdout to CloudWatch Logs), with the fields a
person searching logs filters on: ``secret_arn``, ``token``, ``step``, ``outcome``,
``duration_ms``. Callers pass fields explicitly; nothing logs an event, a response or a value.

boto3/botocore/urllib3 log request and response bodies at DEBUG, and a GetSecretValue response
body is the secret. Their loggers are held at WARNING or above whatever LOG_LEVEL says, do not
propagate (so the Lambda runtime's root handler and test capture never see them), and go through
a filter that drops anything below WARNING even if something lowers their level later.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

LOGGER_NAME = "rotator"
DEFAULT_LEVEL = logging.INFO
_LIBRARIES = ("boto3", "botocore", "urllib3", "s3transfer")
_FIELDS_ATTR = "rotator_fields"


def _json_line(
    created: float, level: str, logger: str, message: str, fields: dict[str, Any]
) -> str:
    payload: dict[str, Any] = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        + f".{int(created * 1000) % 1000:03d}Z",
        "level": level,
        "logger": logger,
        "message": message,
        **fields,
    }
    return json.dumps(payload, default=str, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """The rotator's records already carry their JSON line; library warnings get one here."""

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, _FIELDS_ATTR, False):
            return record.getMessage()
        return _json_line(record.created, record.levelname, record.name, record.getMessage(), {})


class _LibraryFilter(logging.Filter):
    """Drop library records below WARNING: their DEBUG lines carry request and response bodies."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name.split(".", 1)[0]
        return name not in _LIBRARIES or record.levelno >= logging.WARNING


class _StdoutHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stdout`` is at the time of the call (test capture replaces it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.addFilter(_LibraryFilter())

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """StreamHandler.__init__ assigns a stream; this handler always uses the current one."""


_handler = _StdoutHandler()


def configure(level: int) -> None:
    """Idempotent: called at every invocation so nothing set in between can loosen it."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    logger.propagate = False
    if _handler not in logger.handlers:
        logger.addHandler(_handler)
    for name in _LIBRARIES:
        library = logging.getLogger(name)
        library.setLevel(max(logging.WARNING, level))
        library.propagate = False
        if _handler not in library.handlers:
            library.addHandler(_handler)
    # A child such as botocore.endpoint given its own DEBUG level would create records that reach
    # any handler attached to its parents (a test framework attaches to non-propagating loggers).
    for name, child in list(logging.Logger.manager.loggerDict.items()):
        if (
            isinstance(child, logging.Logger)
            and name.split(".", 1)[0] in _LIBRARIES
            and logging.NOTSET < child.level < logging.WARNING
        ):
            child.setLevel(logging.NOTSET)


class StepLog:
    """A logger with fields bound to every line (secret ARN, token, step, request id)."""

    def __init__(self, **fields: Any) -> None:
        self._logger = logging.getLogger(LOGGER_NAME)
        self.fields: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}

    def bind(self, **fields: Any) -> StepLog:
        """A new logger with more fields."""
        return StepLog(**{**self.fields, **fields})

    def update(self, **fields: Any) -> None:
        """Add fields to this logger, e.g. the secret's ARN once DescribeSecret has told it."""
        self.fields.update({k: v for k, v in fields.items() if v is not None})

    def log(self, level: int, message: str, **fields: Any) -> None:
        """Log one JSON line. The line is the record's message, so any handler (the function's
        own, or a test's capture) gets the same JSON object."""
        if self._logger.isEnabledFor(level):
            line = _json_line(
                time.time(),
                logging.getLevelName(level),
                LOGGER_NAME,
                message,
                {**self.fields, **fields},
            )
            self._logger.log(level, line, extra={_FIELDS_ATTR: True})

    def debug(self, message: str, **fields: Any) -> None:
        self.log(logging.DEBUG, message, **fields)

    def info(self, message: str, **fields: Any) -> None:
        self.log(logging.INFO, message, **fields)

    def warning(self, message: str, **fields: Any) -> None:
        self.log(logging.WARNING, message, **fields)

    def error(self, message: str, **fields: Any) -> None:
        self.log(logging.ERROR, message, **fields)
