"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives, and a burst run of the real
arq worker that e-mails notifications to it (as tests/workers/test_notifications.py does)."""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import socket
from collections.abc import Iterator

from aiosmtpd.controller import Controller

from app.worker import create_worker

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


async def run_worker(settings) -> None:
    """Run the worker until the queue is empty."""
    worker = create_worker(settings.redis_url, settings, burst=True, poll_delay=0.02)
    try:
        await worker.main()
    finally:
        await worker.close()


def body_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def code_in(message: email.message.EmailMessage) -> str:
    """The invitation or reset code: the e-mail's last line."""
    return body_of(message).strip().splitlines()[-1].strip()
