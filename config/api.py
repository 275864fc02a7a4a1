"""The REST API under /api/v1/: the router, the schema and docs, and the one exception handler.

Domain errors become HTTP answers here and nowhere else (DESIGN.md "API"): a broken rule on the
request is a 400 with field messages, a rule broken by the loan's state or a reused idempotency
key is a 409. The OpenAPI schema gets the shared error bodies from `document_errors`.
"""

import logging
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from borrowers.api import (
    AssociationViewSet,
    BorrowerViewSet,
    OfficeViewSet,
    SavingsGroupViewSet,
    TransactionPointViewSet,
)
from core.errors import DomainError
from loans.approvals.api import ApprovalViewSet, LoanViewSet
from loans.approvals.dossier_api import RiskDossierViewSet
from loans.models import JournalIsAppendOnly
from loans.origination.api import LoanApplicationViewSet
from loans.savings.api import (
    BorrowerSavingsReversalView,
    BorrowerSavingsView,
    SavingsRateViewSet,
)
from loans.savings.models import SavingsJournalIsAppendOnly
from loans.sessions.api import SessionViewSet
from programmes.api import ProgrammeViewSet
from tasks.api import JobViewSet

log = logging.getLogger(__name__)

router = DefaultRouter()
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("offices", OfficeViewSet, basename="office")
router.register("transaction-points", TransactionPointViewSet, basename="transaction-point")
router.register("associations", AssociationViewSet, basename="association")
router.register("savings-groups", SavingsGroupViewSet, basename="savings-group")
router.register("borrowers", BorrowerViewSet, basename="borrower")
router.register("loans", LoanViewSet, basename="loan")
router.register("applications", LoanApplicationViewSet, basename="application")
router.register("jobs", JobViewSet, basename="job")
router.register("sessions", SessionViewSet, basename="session")
router.register("savings-rates", SavingsRateViewSet, basename="savings-rate")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("risk-dossiers", RiskDossierViewSet, basename="risk-dossier")


@extend_schema(exclude=True)
class NoSuchRoute(APIView):
    """Any other path under the API: a JSON 404 (after authentication), never an HTML page."""

    def handle(self, request, *args, **kwargs):
        raise NotFound()

    get = post = put = patch = delete = head = options = handle


urlpatterns = [
    path("", include(router.urls)),
    path("", include("loans.reports.api")),
    path("borrowers/<int:id>/savings/", BorrowerSavingsView.as_view(), name="borrower-savings"),
    path(
        "borrowers/<int:id>/savings/reversals/",
        BorrowerSavingsReversalView.as_view(),
        name="borrower-savings-reversals",
    ),
    path("", include("loans.takeon.api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from its own URL: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^", NoSuchRoute.as_view()),
]


# --- errors ----------------------------------------------------------------------------------

# Codes of a rule broken by an object's state, or of a reused idempotency key: 409, not 400.
STATE_CODES = {
    "loan_state",
    "application_state",
    "idempotency_conflict",
    "job_state",
    "session_state",
    "sheet_posted",
    "savings_state",
}
STATE_CODES |= {"approval_state", "approval_stale"}  # four eyes: decided, or no longer holds


def exception_handler(exc, context):
    """DRF's handler, plus the domain's errors: a DomainError -> 400/409, Django's
    ValidationError -> 400, an append-only or integrity violation -> 409 (never a 500 for a
    refused write)."""
    if isinstance(exc, DomainError):
        return _domain_error_response(exc, context.get("view"))
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, (JournalIsAppendOnly, SavingsJournalIsAppendOnly)):
        return _conflict(str(exc), "append_only")
    elif isinstance(exc, IntegrityError):
        # Serializers check what they can; a race (two requests, one unique value) ends here.
        log.warning("Integrity error on %s: %s", context.get("request"), exc)
        return _conflict(
            _("Yêu cầu xung đột với dữ liệu đã có; hãy tải lại và thử lại."), "conflict"
        )
    return drf_exception_handler(exc, context)


def _domain_error_response(exc: DomainError, view) -> Response:
    """400 with the message on its field (a view may rename a service's argument to the
    request's field in `loan_error_fields`), or 409 for a state code."""
    set_rollback()
    if exc.code in STATE_CODES:
        return _conflict(exc.message, exc.code)
    if exc.code == "forbidden":  # e.g. a maker approving their own request
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    fields = getattr(view, "loan_error_fields", {})
    field = fields.get(exc.field, exc.field) if exc.field else "non_field_errors"
    return Response({field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)


def _conflict(message: str, code: str) -> Response:
    set_rollback()
    return Response({"detail": message, "code": code}, status=status.HTTP_409_CONFLICT)


# --- schema ----------------------------------------------------------------------------------

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "An error that is not about one field: authentication, permission, "
        "not found, or a conflict with the loan's state (409).",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "Machine-readable reason (409 only)."},
        },
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Messages per request field (`non_field_errors` for the request as a "
        "whole), in the language of `Accept-Language`; `detail` for an unreadable body.",
        "additionalProperties": {
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
        },
    },
}
ERROR_DESCRIPTIONS = {
    "400": ("ValidationError", "Invalid input: messages per field."),
    "401": ("Error", "Not authenticated."),
    "403": ("Error", "Not allowed."),
    "404": ("Error", "Not found, or not in the user's offices."),
    "409": ("Error", "Conflicts with the loan's state or a reused idempotency key."),
}
DETAIL_PATH = re.compile(r"\{[^}]+\}")


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents 401 and 403, a path with
    an id documents 404, a write or a filtered list documents 400 (and a list 404 for a page
    past the end); a status a view declares without a body gets the shared error body."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for route, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            expected = {"401", "403"}
            if DETAIL_PATH.search(route) or operation.get("operationId", "").endswith("_list"):
                expected.add("404")
            queried = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if method in {"post", "put", "patch"} or queried:
                expected.add("400")
            for code in expected | (set(responses) & set(ERROR_DESCRIPTIONS)):
                _error_response(responses, code)
    return result


def _error_response(responses: dict, code: str) -> None:
    name, description = ERROR_DESCRIPTIONS[code]
    response = responses.setdefault(code, {"description": description})
    if not response.get("description"):
        response["description"] = description
    response.setdefault(
        "content", {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
    )
