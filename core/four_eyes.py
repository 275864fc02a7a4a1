"""Operations of the apps beside the four-eyes app that may need a second person (a member's
savings reversal): the hook between them, since neither may import the other. The owning app
registers how a held operation runs (`register`), the approvals app registers the gate that
stores a request for a checker (`set_gate`) and runs the operation through `run` once a
checker approves it.

The parameters are plain JSON (ids, ISO dates, strings); running them checks every rule again
against the data as it is then, and raises the owner's DomainError when one no longer holds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HeldOperation:
    name: str  # the four-eyes operation's name ("savings-reversals")
    permission: str  # what a maker must hold to ask for it (and a checker's office rule applies)
    run: Callable[[dict, Any], dict]  # (parameters, maker) -> the operation's response body


OPERATIONS: dict[str, HeldOperation] = {}
# (user, operation, office id, parameters) -> the approval request's id when held, None when
# the user may do it alone.
Gate = Callable[[Any, str, int | None, dict], int | None]
_gate: list[Gate] = []


def register(operation: HeldOperation) -> None:
    OPERATIONS[operation.name] = operation


def set_gate(gate: Gate) -> None:
    _gate[:] = [gate]


def hold(user: Any, operation: str, *, office_id: int | None, parameters: dict) -> int | None:
    """The approval request's id if this user may not do the operation alone (nothing runs
    then), else None: the caller runs it as usual."""
    if not _gate:
        return None
    return _gate[0](user, operation, office_id, parameters)


def run(operation: str, parameters: dict, *, by: Any) -> dict:
    """Run a held operation as its maker, once a checker approved it."""
    return OPERATIONS[operation].run(parameters, by)
