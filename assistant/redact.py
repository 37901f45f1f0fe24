"""Credentials never reach a log line or a stored config: URLs lose their user:password and secret query values."""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"

# user:password@ (or a bare token@) in any scheme://authority
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s@?#]+)@")
# key=value in a query string or a form body, for any key that names a secret
_SECRET_PARAM = re.compile(
    r"(?P<key>(?:[?&;]|\b)(?:api[-_]?key|apikey|access[-_]?token|token|key|secret|password|passwd|pwd|sig|signature|auth)=)"
    r"(?P<value>[^&#\s\"']+)",
    re.IGNORECASE,
)
# Authorization: Bearer xxx / sk-… style tokens printed by a client library
_BEARER = re.compile(r"(?P<key>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{6,})", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with credentials in URLs, query strings and bearer headers replaced by ***."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _SECRET_PARAM.sub(lambda m: f"{m['key']}{MASK}", text)
    return _BEARER.sub(lambda m: f"{m['key']}{MASK}", text)


def redact_data(value: Any) -> Any:
    """A JSON-like structure with every string redacted (for configs written to disk)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Attached to every handler: the formatted message and the traceback are redacted before they are written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the logger's problem, not a reason to leak
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
