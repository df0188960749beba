"""Reading model instances back from hand-written joins: one table's columns under an alias
prefix ("s__id", ...), and the instance from a row that carries them."""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


def columns(model: type[Model]) -> list[str]:
    """Every column of the model's table: plain fields and foreign keys."""
    meta = model._meta
    return sorted(meta.db_fields | {f"{name}_id" for name in meta.fk_fields})


def select(model: type[Model], alias: str) -> str:
    return ", ".join(f"{alias}.{column} AS {alias}__{column}" for column in columns(model))


def read(model: type[M], row: dict[str, Any], alias: str) -> M | None:
    """The instance, or None when the (outer-joined) row has none."""
    if row[f"{alias}__id"] is None:
        return None
    return model._init_from_db(**{column: row[f"{alias}__{column}"] for column in columns(model)})
