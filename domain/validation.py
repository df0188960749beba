"""Small input checks shared by every area; each raises DomainError(INVALID, ..., field)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Literal, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from domain import clock
from domain.errors import DomainError, DomainErrors, invalid

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")
MAX_TAGS = 30
MAX_TAG_LENGTH = 50

# Instants and dates a request may carry: one day inside Python's years 1-9999, so reading one in
# any zone (offsets reach +/-14 h) or the day-margins the domain adds never leave the range.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # NUL and lone surrogates (JSON's "\ud800"): not UTF-8 text
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly


def single_line(value: str, field: str) -> str:
    """Names, e-mails, titles, tags, search strings: no control character (line breaks and NUL
    included), so a value is safe in an e-mail header, a log line or a file name."""
    if _CONTROL.search(value):
        raise invalid("Must be a single line without control characters.", field)
    return storable(value, field)


def storable(value: str, field: str) -> str:
    """Multi-line text (notes, messages): line breaks and tabs are fine, NUL is not (PostgreSQL
    text cannot hold it), nor are halves of a surrogate pair."""
    if _UNSTORABLE.search(value):
        raise invalid("Must not contain NUL characters or unpaired surrogates.", field)
    return value


def instant(value: datetime, field: str) -> datetime:
    """A request's instant, within the years every zone and every day-margin can reach."""
    try:
        utc = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise invalid("Must be between the years 1 and 9999.", field)
    return value


def day(value: date, field: str) -> date:
    if not EARLIEST.date() <= value <= LATEST.date():
        raise invalid("Must be between the years 1 and 9999.", field)
    return value


@overload
def text(value: str | None, field: str, *, max_length: int, required: Literal[True]) -> str: ...
@overload
def text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str | None: ...
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


MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a path; the users and clients columns hold no more


@overload
def email(value: str | None, field: str = "email", *, required: Literal[True]) -> str: ...
@overload
def email(value: str | None, field: str = "email", *, required: bool = False) -> str | None: ...
def email(value: str | None, field: str = "email", *, required: bool = False) -> str | None:
    value = text(value, field, max_length=MAX_EMAIL_LENGTH, required=required)
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
    # Only names in the zone database: ZoneInfo("America") opens a folder (IsADirectoryError),
    # and a path-like name must never reach the file system at all.
    if value not in _zone_names():
        raise invalid("Not a known IANA time zone (e.g. Europe/London).", field)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise invalid("Not a known IANA time zone (e.g. Europe/London).", field) from None
    return value


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


@overload
def int_range(value: int, field: str, *, low: int, high: int) -> int: ...
@overload
def int_range(value: int | None, field: str, *, low: int, high: int) -> int | None: ...
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
