"""The OpenAPI schema states the edge's own rules (drf-spectacular post-processing hook)."""

from typing import Any

# Every query and form answers a NUL character with a 400 (config/middleware), so no string
# query parameter may hold one; the schema says so.
NO_NUL = "^[^\\u0000]*$"


def no_nul_in_query_strings(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Give every string query parameter without a pattern the pattern "no NUL"."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("pattern", NO_NUL)
    return result
