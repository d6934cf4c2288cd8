"""Reading PostgreSQL's plans in tests: the nodes of an `EXPLAIN (FORMAT JSON)` plan, and a value
written as SQL for `EXECUTE name(…)` of a prepared statement."""

from __future__ import annotations

from typing import Any


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a plan (its "Plan" object), the top one included."""
    found, stack = [], [plan]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.get("Plans", []))
    return found


def sql_literal(value: Any) -> str:
    """An integer as it is, anything else as a quoted string."""
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"
