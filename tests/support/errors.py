"""userErrors as the API returns them."""

from __future__ import annotations


def user_error(code: str, field: list[str] | None, message: str) -> dict:
    return {"code": code, "field": field, "message": message}


def codes_and_fields(errors: list[dict]) -> list[tuple[str, list[str] | None]]:
    """For errors whose message is still being reworded (eligibility reasons are moving out of
    the message text into data, issue 11): everything but the message, exactly."""
    return [(e["code"], e["field"]) for e in errors]
