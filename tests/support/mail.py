"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, and what the e-mails say.
run_worker (re-exported from tests.support.workers) sends them."""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
from collections.abc import Iterator

from aiosmtpd.controller import Controller

from tests.support.workers import free_port, run_worker

__all__ = ["SMTP_SERVER_LOGGER", "Inbox", "body_of", "code_in", "free_port", "run_worker", "smtp_server", "with_smtp"]

# aiosmtpd's own logger: the test's mail server, not the service (it may log what it receives).
SMTP_SERVER_LOGGER = "mail.log"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["X-Rcpt"] == address]


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def with_smtp(settings, port: int):
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port)


def body_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def code_in(message: email.message.EmailMessage) -> str:
    """The invitation or reset code: the e-mail's last line."""
    return body_of(message).strip().splitlines()[-1].strip()
