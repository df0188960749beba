"""Every domain function that opens a transaction can be run again after a deadlock: it carries
domain.locks.retrying (found by the November 2026 outside attack: "Deadlocks"). Read from the source, so a new write
path cannot forget it."""

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"


def _opens_transaction(fn: ast.AsyncFunctionDef) -> bool:
    """Whether the function's own body (not a nested function's) has `async with transaction()`."""
    todo = list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.AsyncWith) and any(
            isinstance(item.context_expr, ast.Call) and getattr(item.context_expr.func, "id", None) == "transaction"
            for item in node.items
        ):
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def _decorators(fn: ast.AsyncFunctionDef) -> set[str]:
    return {d.id if isinstance(d, ast.Name) else getattr(d, "attr", "") for d in fn.decorator_list}


def test_every_domain_function_that_opens_a_transaction_is_retrying():
    missing, found = [], 0
    for path in sorted(DOMAIN.glob("*.py")):
        if path.name == "transactions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef) and _opens_transaction(node):
                found += 1
                if "retrying" not in _decorators(node):
                    missing.append(f"{path.name}:{node.lineno} {node.name}")
    assert found > 20  # the check sees the write paths
    assert missing == [], "open a transaction without @retrying: " + ", ".join(missing)
