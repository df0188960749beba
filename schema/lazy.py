"""Another area's type, built by a field without importing that area's module.

Areas point at each other (a session has a client, a client has sessions), so in each such pair
one side imports the other and the other side must not import it back. That side names the type
in its annotations through `strawberry.lazy` (with a TYPE_CHECKING import for mypy) and builds it
through `lazy_class`, which finds the class the way strawberry resolves that annotation.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from strawberry.types.lazy_type import LazyType


def lazy_class(name: str, module: str) -> Callable[[], type[Any]]:
    """A function returning the class `name` of `module`, imported on the first call."""
    return cache(LazyType(name, module).resolve_type)
