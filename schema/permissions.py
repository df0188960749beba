"""Who may call a field at all. Row-level scope is domain/access.py's job; these only keep the
anonymous out and stop roles that may never call a field (top-level error with a code)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from models.enums import Role
from schema.context import Info


class IsAuthenticated(BasePermission):
    message = "Sign in first."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer is not None


def roles(*allowed: Role) -> type[BasePermission]:
    """A permission for fields only some roles may call (checked after IsAuthenticated)."""

    class HasRole(BasePermission):
        message = "Your role may not use this."
        error_extensions = {"code": "FORBIDDEN"}

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            viewer = info.context.viewer
            return viewer is not None and viewer.role in allowed

    HasRole.__name__ = "HasRole_" + "_".join(r.value for r in allowed)
    return HasRole


def signed_in(*allowed: Role) -> list[type[BasePermission]]:
    """permission_classes for a field: signed in, and (if given) one of these roles."""
    return [IsAuthenticated, roles(*allowed)] if allowed else [IsAuthenticated]
