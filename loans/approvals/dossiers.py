"""Risk dossiers (Decision 50/2010/QĐ-TTg as amended by 08/2021/QĐ-TTg): the dossier records the
cause and the loss, and its treatment goes through the four-eyes path like any such operation."""

from django.db import transaction
from django.utils.translation import gettext as _

from loans.models import Loan

from .models import RiskDossier
from .services import ApprovalError, request_approval

# The least loss that opens the way to each treatment. Defaults chosen here from our reading of
# Decision 50/2010 (freezing from 40%, write-off from 80%, an extension on any proven loss);
# to be confirmed against the decision's text by the branch.
MIN_LOSS = {
    RiskDossier.Treatment.EXTENSION: 1,
    RiskDossier.Treatment.FREEZE: 40,
    RiskDossier.Treatment.WRITE_OFF: 80,
}


@transaction.atomic
def open_dossier(
    loan: Loan,
    *,
    cause: str,
    loss_percent: int,
    treatment: str,
    decision_ref: str,
    parameters: dict,
    by,
) -> RiskDossier:
    """Record the dossier and request its treatment (`parameters`: the operation's API body);
    nothing moves until a checker approves, when the operation's own rules are checked too."""
    if cause not in RiskDossier.Cause.values:
        raise ApprovalError(_("Nguyên nhân rủi ro không thuộc danh mục."), field="cause")
    if treatment not in RiskDossier.Treatment.values:
        raise ApprovalError(_("Biện pháp xử lý không hợp lệ."), field="treatment")
    if not 0 <= loss_percent <= 100:
        raise ApprovalError(_("Tỷ lệ thiệt hại từ 0 đến 100%."), field="loss_percent")
    if loss_percent < MIN_LOSS[treatment]:
        raise ApprovalError(
            _("Thiệt hại %(loss)d%% chưa đủ cho biện pháp này (từ %(min)d%%).")
            % {"loss": loss_percent, "min": MIN_LOSS[treatment]},
            field="loss_percent",
        )
    if not (decision_ref or "").strip():
        raise ApprovalError(_("Phải ghi số quyết định."), field="decision_ref")
    approval = request_approval(loan, operation=treatment, parameters=parameters, by=by)
    return RiskDossier.objects.create(
        loan=loan,
        cause=cause,
        loss_percent=loss_percent,
        treatment=treatment,
        decision_ref=decision_ref.strip(),
        approval=approval,
        created_by=by,
    )


def treatment_body(loan: Loan, treatment: str, body: dict) -> tuple[dict | None, dict]:
    """The treatment's own request body checked as its operation checks it (the input of
    POST /loans/{id}/<treatment>/): (the body as JSON to store, None) or (None, its errors)."""
    from loans.api.operations import OPERATIONS

    from .services import plain

    if treatment not in OPERATIONS:
        return None, {"treatment": [_("Biện pháp xử lý không hợp lệ.")]}
    serializer = OPERATIONS[treatment].input_for(loan, body)
    if not serializer.is_valid():
        return None, dict(serializer.errors)
    return plain(dict(serializer.validated_data)), {}
