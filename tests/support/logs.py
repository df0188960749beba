"""Log canaries (found by the November 2026 outside attack: "Logs"): every record any logger emits during the run is kept, and at
the end none may hold a password, token, API key or private text the tests used. The Api client
collects those secrets as they pass through it."""

from __future__ import annotations

import logging
from typing import Any

# Request variables holding secrets or private text, and response fields holding credentials.
SECRET_INPUTS = {
    "password",
    "currentPassword",
    "newPassword",
    "token",
    "privateNotes",
    "healthContext",
    "bookingNotes",
    "body",
    "message",
    "comment",
}
SECRET_OUTPUTS = {"token", "secret"}
# Records of the tests' own servers (aiosmtpd logs every e-mail it receives), not the app's.
NOT_THE_APP = ("mail.log",)
LOG_SECRETS: set[str] = set()


class KeepEverything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(NOT_THE_APP):
            return
        try:
            self.lines.append(self.format(record))
        except Exception as error:  # a record that cannot be formatted still counts
            self.lines.append(f"{record.msg!r} {record.args!r} ({error!r})")


def collect_secrets(value: Any, keys: set[str]) -> None:
    """Strings under `keys` anywhere in a JSON value (short ones would match innocent text)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str) and len(item) >= 10:
                LOG_SECRETS.add(item)
            else:
                collect_secrets(item, keys)
    elif isinstance(value, list):
        for item in value:
            collect_secrets(item, keys)


def leaked(lines: list[str], secrets: set[str]) -> list[str]:
    return [f"{secret[:12]}... in: {line[:300]}" for line in lines for secret in secrets if secret in line]


KEEP_EVERYTHING = KeepEverything()
