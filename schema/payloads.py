"""Turning domain outcomes into mutation payloads."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import strawberry

from domain import locks, outbox
from domain.errors import DomainError, DomainErrors
from schema.errors import UserError, user_errors

P = TypeVar("P")
P_co = TypeVar("P_co", covariant=True)


class PayloadClass(Protocol[P_co]):
    """A payload type that can be made from userErrors alone (its other fields have defaults)."""

    def __call__(self, *, user_errors: list[UserError]) -> P_co: ...


def returns(payload_cls: PayloadClass[P]) -> Callable[[Callable[..., Awaitable[P]]], Callable[..., Awaitable[P]]]:
    """A mutation resolver whose DomainErrors become the payload's userErrors (a root field's
    method, `info` among its arguments)."""

    def decorate(fn: Callable[..., Awaitable[P]]) -> Callable[..., Awaitable[P]]:
        @functools.wraps(fn)
        async def run(*args: Any, **kwargs: Any) -> P:
            outbox.take_written()
            try:
                result = await fn(*args, **kwargs)
            except (DomainError, DomainErrors) as error:
                outbox.take_written()
                return payload_cls(user_errors=user_errors(error))
            except Exception as error:
                # A deadlock in a statement outside any retried transaction still gets a coded answer.
                if not locks.is_transient(error):
                    raise
                outbox.take_written()
                return payload_cls(user_errors=user_errors(locks.Collision()))
            # After the commit: hand the jobs this mutation wrote to arq now (the relay
            # pushes whatever this misses, e.g. while Redis is away).
            written = outbox.take_written()
            if written:
                info = kwargs.get("info") or next(a for a in args if hasattr(a, "context"))
                await info.context.push_jobs(written)
            return result

        return run

    return decorate


def given(input_obj: Any, *names: str) -> dict[str, Any]:
    """The named input fields the request set (UNSET ones left out), inputs turned to dicts."""
    values = {}
    for name in names:
        value = getattr(input_obj, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        values[name] = value
    return values
