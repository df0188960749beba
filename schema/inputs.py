"""One check of every argument, before any resolver sees it: strings and instants anywhere in a
field's arguments (nested inputs and lists included) follow domain.validation's rules.

A String is single-line unless its input field is declared multi-line (`MULTILINE`); so a new
field is checked by default. A mutation answers a failure with userErrors at the field's path;
a query with a top-level INVALID error naming the path."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryContainer, get_object_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion

from domain import validation
from domain.errors import DomainError, DomainErrors
from schema.context import Info
from schema.errors import user_errors


def multiline(**kwargs: Any) -> Any:
    """An input field of multi-line text (notes, messages, descriptions, passwords): line breaks
    and tabs are kept, only NUL is refused. `multiline(default=None)`."""
    return strawberry.field(metadata={"multiline": True}, **kwargs)


def _problems(value: Any, path: str, multi: bool, names) -> Iterator[DomainError]:
    if value is None or value is strawberry.UNSET:
        return
    try:
        if isinstance(value, str):
            (validation.storable if multi else validation.single_line)(value, path)
        elif isinstance(value, datetime):
            validation.instant(value, path)
        elif isinstance(value, date):
            validation.day(value, path)
    except DomainError as error:
        yield error
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _problems(item, path, multi, names)
        return
    definition = get_object_definition(type(value))
    if definition is not None and definition.is_input:
        for field in definition.fields:
            child = getattr(value, field.python_name, None)
            yield from _problems(
                child, f"{path}.{names.from_field(field)}", bool(field.metadata.get("multiline")), names
            )


def _check(field, info: Info, kwargs: dict[str, Any]) -> list[DomainError]:
    names = info.schema.config.name_converter
    errors: list[DomainError] = []
    for argument in field.arguments:
        errors.extend(_problems(kwargs.get(argument.python_name), names.from_argument(argument), False, names))
    return errors


class CheckedArguments(FieldExtension):
    """Refuses a field's arguments that break the rules, before its resolver runs."""

    def __init__(self) -> None:
        self.field = None

    def apply(self, field) -> None:
        self.field = field

    def _refusal(self, info: Info, errors: list[DomainError]):
        payload = _payload_class(self.field)
        if payload is not None:
            # Mutations name the path under their `input` argument: ["input", "name"].
            for error in errors:
                if error.field is not None:
                    error.field = error.field.removeprefix("input.")
            return payload(user_errors=user_errors(DomainErrors(errors)))
        first = errors[0]
        path = first.field.split(".") if first.field is not None else None
        raise GraphQLError(f"`{first.field}`: {first.message}", extensions={"code": "INVALID", "field": path})

    def resolve(self, next_, source, info: Info, **kwargs):
        errors = _check(self.field, info, kwargs)
        return self._refusal(info, errors) if errors else next_(source, info, **kwargs)

    async def resolve_async(self, next_, source, info: Info, **kwargs):
        errors = _check(self.field, info, kwargs)
        if errors:
            return self._refusal(info, errors)
        result = next_(source, info, **kwargs)
        # A subscription's resolver hands back an async generator, which is not awaited.
        return await result if inspect.isawaitable(result) else result


def _payload_class(field) -> type | None:
    """The field's return type when it is a payload with userErrors."""
    for candidate in _named_types(field.type):
        definition = get_object_definition(candidate)
        if definition is not None and any(f.python_name == "user_errors" for f in definition.fields):
            return candidate
    return None


def _named_types(type_: Any) -> Iterator[Any]:
    if isinstance(type_, LazyType):
        type_ = type_.resolve_type()
    if isinstance(type_, StrawberryContainer):
        yield from _named_types(type_.of_type)
    elif isinstance(type_, StrawberryUnion):
        for member in type_.types:
            yield from _named_types(member)
    else:
        yield type_


def check_every_argument(*roots: type) -> None:
    """Give every field with arguments, on every type reachable from the roots, the check.
    Called before the Schema is built (strawberry wires field extensions in then)."""
    seen: set[type] = set()
    pending = list(roots)
    while pending:
        cls = pending.pop()
        definition = get_object_definition(cls)
        if definition is None or definition.is_input or cls in seen:
            continue
        seen.add(cls)
        for field in definition.fields:
            if field.arguments and not any(isinstance(e, CheckedArguments) for e in field.extensions):
                extension = CheckedArguments()
                extension.apply(field)
                # The last extension in the list runs first: first in the list, this runs after
                # the permission check, so an anonymous caller still reads UNAUTHENTICATED.
                field.extensions.insert(0, extension)
            pending.extend(_named_types(field.type))
        if isinstance(cls, type):  # implementations of an interface, reachable only through node()
            pending.extend(cls.__subclasses__())


@strawberry.input(description="Inclusive range of calendar days; either end may be open.")
class DateRangeInput:
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None
