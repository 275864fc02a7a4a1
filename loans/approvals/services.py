"""Four eyes (maker-checker): the maker's request stores the operation and moves nothing; a
checker of the same office (or the branch), never the maker, approves, and only then the
operation runs, every rule checked again against the loan as it is then."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from borrowers.selectors import office_ids_for
from core import four_eyes
from core.errors import DomainError
from loans.api.operations import OPERATIONS
from loans.models import Loan
from programmes import rule_changes

from .models import ApprovalRequest
from .roles import BYPASS, DECIDE, disbursement_threshold, four_eyes_operations
from .rules import rule_checker_error

Status = ApprovalRequest.Status


class ApprovalError(DomainError):
    """A broken rule of the four-eyes path (code "forbidden": 403, "approval_state": 409)."""


def plain(value):
    """Validated input as the API's JSON body again (ids, ISO dates), to store with a request
    and validate afresh when it is approved."""
    if isinstance(value, dict):
        return {name: plain(item) for name, item in value.items() if name != "key"}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    return value


def needs_approval(user, *, operation: str, data: dict) -> bool:
    """Whether this user may not do the operation alone (a disbursement: above the threshold)."""
    if operation not in four_eyes_operations() or user.has_perm(BYPASS):
        return False
    if operation == "disbursements":
        return data.get("amount", 0) > disbursement_threshold()
    return True


@transaction.atomic
def request_approval(loan: Loan, *, operation: str, parameters: dict, by) -> ApprovalRequest:
    """Store the maker's request (nothing moves until a checker approves it)."""
    if operation not in OPERATIONS:
        raise ApprovalError(_("Nghiệp vụ không hợp lệ."), field="operation")
    return ApprovalRequest.objects.create(
        operation=operation, loan=loan, parameters=parameters, office=loan.office, maker=by
    )


def check_checker(request: ApprovalRequest, user) -> None:
    """A checker: entitled to decide, of the request's office or the branch, never the maker."""
    if request.maker_id == user.pk:
        raise ApprovalError(_("Người lập yêu cầu không được tự duyệt."), code="forbidden")
    if not user.has_perm(DECIDE):
        raise ApprovalError(_("Bạn không có quyền duyệt yêu cầu."), code="forbidden")
    if request.loan_id is None and request.operation not in four_eyes.OPERATIONS:
        # A change of a fee or rate rule: the branch's.
        if (refusal := rule_checker_error(request, user)) is not None:
            raise ApprovalError(refusal, code="forbidden")
        return
    offices = office_ids_for(user)
    if offices is not None and request.office_id not in offices:
        raise ApprovalError(_("Yêu cầu không thuộc phòng giao dịch của bạn."), code="forbidden")


def _locked(request: ApprovalRequest) -> ApprovalRequest:
    # Two checkers at once: the second waits here, then finds the request decided.
    return ApprovalRequest.objects.select_for_update().get(pk=request.pk)


def _check_pending(request: ApprovalRequest) -> None:
    if request.status != Status.PENDING:
        raise ApprovalError(
            _("Yêu cầu đã được xử lý (%(status)s).") % {"status": request.get_status_display()},
            code="approval_state",
        )


@dataclass
class Decision:
    request: ApprovalRequest
    body: dict | None  # the operation's own response body (approved), else None
    replayed: bool = False


def approve(request: ApprovalRequest, *, by, key: str | None = None) -> Decision:
    """Run the request's operation as the checker approves it; a rule no longer holding refuses
    it (status "failed", the reason kept) with the operation's own message."""
    with transaction.atomic():
        locked = _locked(request)
        check_checker(locked, by)
        if key and locked.decision_key == key and locked.status == Status.APPROVED:
            return Decision(locked, locked.outcome, replayed=True)  # the same approval again
        _check_pending(locked)
        try:
            with transaction.atomic():
                body = _run(locked, by=by)
        except DomainError as err:
            _decide(locked, Status.FAILED, by=by, reason=err.message, key=key)
            failure = err
        else:
            _decide(locked, Status.APPROVED, by=by, outcome=body, key=key)
            return Decision(locked, body)
    # Recorded (outside the rolled-back inner block), then refused with the reason.
    raise ApprovalError(failure.message, field=failure.field, code="approval_stale")


def _run(request: ApprovalRequest, *, by) -> dict:
    from rest_framework.exceptions import ValidationError

    if request.operation in four_eyes.OPERATIONS:  # another app's (a savings reversal)
        return four_eyes.run(request.operation, request.parameters, by=request.maker)
    if request.loan_id is None:  # a rule change: validated against the rules as they are now
        try:
            return rule_changes.apply(request.operation, request.parameters, by=request.maker)
        except DomainError as err:
            raise ApprovalError(err.message, field=err.field, code="approval_stale") from err
    op = OPERATIONS[request.operation]
    loan = Loan.objects.get(pk=request.loan_id)
    serializer = op.input_for(loan, request.parameters)
    if not serializer.is_valid():
        raise ApprovalError(_first_message(serializer.errors), code="approval_stale")
    try:
        result = op.perform(loan, serializer.validated_data, key=None, by=request.maker)
    except ValidationError as exc:  # pragma: no cover - the serializer checked the input
        raise ApprovalError(str(exc.detail), code="approval_stale") from exc
    return op.body(loan, result)


def _first_message(errors) -> str:
    while isinstance(errors, dict | list):
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return str(errors)


def _decide(request, status, *, by, reason: str = "", outcome=None, key=None) -> None:
    request.status = status
    request.checker = by
    request.decided_at = timezone.now()
    request.reason = reason
    request.outcome = outcome
    request.decision_key = key or ""
    request.save()


@transaction.atomic
def reject(request: ApprovalRequest, *, by, reason: str) -> ApprovalRequest:
    """Refuse the request with a reason; nothing moves."""
    locked = _locked(request)
    check_checker(locked, by)
    _check_pending(locked)
    if not (reason or "").strip():
        raise ApprovalError(_("Phải ghi lý do từ chối."), field="reason")
    _decide(locked, Status.REJECTED, by=by, reason=reason.strip())
    return locked
