"""Risk dossiers: cause from the list, loss, treatment; executed through the four-eyes path."""

import pytest
from django.utils import timezone

from loans.approvals import dossiers, services
from loans.approvals.models import ApprovalRequest, RiskDossier
from loans.approvals.services import ApprovalError
from loans.models import LoanStatus


def open_freeze(loan, user, **fields):
    values = {
        "cause": RiskDossier.Cause.NATURAL_DISASTER,
        "loss_percent": 60,
        "treatment": RiskDossier.Treatment.FREEZE,
        "decision_ref": "QĐ 21/QĐ-HĐQT",
        "parameters": {"start": str(loan.first_disbursed_on), "decision_ref": "QĐ 21/QĐ-HĐQT"},
        "by": user,
        **fields,
    }
    return dossiers.open_dossier(loan, **values)


def test_a_freeze_dossier_runs_when_a_second_person_approves(roles, loan):
    dossier = open_freeze(loan, roles.users["officer"])
    assert dossier.approval.status == ApprovalRequest.Status.PENDING
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE  # nothing moved yet
    services.approve(dossier.approval, by=roles.users["director"])
    loan.refresh_from_db()
    assert loan.status == LoanStatus.FROZEN
    assert loan.freezes.get().decision_ref == "QĐ 21/QĐ-HĐQT"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cause": "bad_luck"}, "cause"),
        ({"loss_percent": 101}, "loss_percent"),
        ({"loss_percent": 39}, "loss_percent"),  # a freeze needs 40% or more (our default)
        ({"decision_ref": " "}, "decision_ref"),
    ],
)
def test_a_dossier_that_breaks_a_rule_is_refused(roles, loan, fields, field):
    with pytest.raises(ApprovalError) as err:
        open_freeze(loan, roles.users["officer"], **fields)
    assert err.value.field == field
    assert not ApprovalRequest.objects.exists()


def test_a_write_off_dossier_is_refused_at_approval_when_the_loan_closed_meanwhile(
    roles, loan, cast
):
    from loans import services as loan_services

    today = timezone.localdate()
    dossier = dossiers.open_dossier(
        loan,
        cause=RiskDossier.Cause.DEATH_OR_MISSING,
        loss_percent=100,
        treatment=RiskDossier.Treatment.WRITE_OFF,
        decision_ref="QĐ 30",
        parameters={"value_date": str(today), "reason": "QĐ 30"},
        by=roles.users["officer"],
    )
    loan_services.write_off(loan, on=today, reason="Đã xóa", by=cast.alice)
    with pytest.raises(ApprovalError) as err:
        services.approve(dossier.approval, by=roles.users["controller"])
    assert err.value.code == "approval_stale"
    dossier.approval.refresh_from_db()
    assert dossier.approval.status == ApprovalRequest.Status.FAILED
