"""Four eyes on the operations of the apps beside this one (a member's savings reversal): the
gate this app registers in core.four_eyes, which stores the maker's request with the office
it belongs to; the checker's rules and the run are the services' (services.approve)."""

from django.db import transaction

from core import four_eyes

from .models import ApprovalRequest


def hold_operation(user, operation: str, office_id: int | None, parameters: dict) -> int | None:
    """Store the request when this user may not do the operation alone; None otherwise."""
    from .services import needs_approval

    if not needs_approval(user, operation=operation, data={}):
        return None
    with transaction.atomic():
        request = ApprovalRequest.objects.create(
            operation=operation, loan=None, office_id=office_id, parameters=parameters, maker=user
        )
    return request.pk


def register() -> None:
    four_eyes.set_gate(hold_operation)
