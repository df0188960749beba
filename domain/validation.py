"""Small input checks shared by every area; each raises DomainError(INVALID, ..., field)."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain import clock
from domain.errors import DomainError, DomainErrors, ErrorCode, invalid

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
MAX_TAGS = 30
MAX_TAG_LENGTH = 50


def text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise invalid("This field is required.", field)
        return None
    value = value.strip()
    if required and not value:
        raise invalid("This field must not be blank.", field)
    if len(value) > max_length:
        raise invalid(f"Must be at most {max_length} characters.", field)
    return value or None


def email(value: str | None, field: str = "email", *, required: bool = False) -> str | None:
    value = text(value, field, max_length=254, required=required)
    if value is None:
        return None
    if not EMAIL.match(value):
        raise invalid("Not a valid e-mail address.", field)
    return value.lower()


def phone(value: str | None, field: str) -> str | None:
    value = text(value, field, max_length=50)
    if value is not None and not PHONE.match(value):
        raise invalid("Not a valid phone number.", field)
    return value


def birth_date(value: date | None, field: str = "birthDate") -> date | None:
    if value is None:
        return None
    today = clock.now().date()
    if value > today or value.year < 1900:
        raise invalid("Birth date must be in the past.", field)
    return value


def tags(values: list[str] | None, field: str) -> list[str] | None:
    if values is None:
        return None
    if len(values) > MAX_TAGS:
        raise invalid(f"At most {MAX_TAGS} values.", field)
    cleaned: list[str] = []
    for value in values:
        value = value.strip()
        if not value or len(value) > MAX_TAG_LENGTH:
            raise invalid(f"Each value must be 1 to {MAX_TAG_LENGTH} characters.", field)
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def timezone_name(value: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("Not a known IANA time zone (e.g. Europe/London).", field) from None
    return value


def int_range(value: int | None, field: str, *, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not low <= value <= high:
        raise invalid(f"Must be between {low} and {high}.", field)
    return value


class Checks:
    """Runs the checks of one input and reports every failing field at once, as a form expects:
    `value = checks(text, v, "name", max_length=200)` returns None for a failing check."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def __call__(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except DomainErrors as error:
            self.errors.extend(error.errors)
        except DomainError as error:
            self.errors.append(error)
        return None

    def done(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)


def forbidden(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, message, field)
