"""Idempotent postings: a request sent twice with one key is posted once (DESIGN.md "API")."""

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Loan, PostingRequest
from .errors import IdempotencyConflict


def lock(loan: Loan) -> Loan:
    """The loan row, locked until the end of the transaction (select_for_update)."""
    return Loan.objects.select_for_update().get(pk=loan.pk)


def _fingerprint(operation: str, loan: Loan, params: dict[str, Any]) -> str:
    payload = json.dumps([operation, loan.pk, params], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """The business parameters of a request (not who sent it) for the idempotency fingerprint."""
    return {k: v for k, v in params.items() if k != "by"}


def _conflict() -> IdempotencyConflict:
    return IdempotencyConflict(
        _("Khóa chống trùng này đã được dùng cho một yêu cầu khác."),
        code="idempotency_conflict",
    )


def idempotent(operation: str, *, many: bool = False) -> Callable:
    """Make a posting service honour `key`: a replay returns the first result, unchanged.

    The loan row is locked before the key is looked up, so two concurrent requests with one
    key are serialised and the second one finds the first one's record. `many`: the service
    returns a list of entries (a replay must too, even when the list has one entry).
    """

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(loan: Loan, *, key: str | None = None, **params: Any) -> Any:
            with transaction.atomic():
                locked = lock(loan)
                if key is None:
                    return func(locked, request=None, **params)
                fingerprint = _fingerprint(operation, locked, _plain(params))
                existing = PostingRequest.objects.filter(key=key).first()
                if existing is not None:
                    if existing.fingerprint != fingerprint or existing.loan_id != locked.pk:
                        raise _conflict()
                    entries = list(existing.transactions.order_by("id"))
                    return entries if many else entries[0]
                try:
                    with transaction.atomic():
                        request = PostingRequest.objects.create(
                            key=key, loan=locked, operation=operation, fingerprint=fingerprint
                        )
                except IntegrityError as exc:  # the key was taken by another loan meanwhile
                    raise _conflict() from exc
                return func(locked, request=request, **params)

        return wrapper

    return decorator
