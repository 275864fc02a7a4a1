"""Four eyes on the fee and rate rules: a branch user's change is a request (202 from the API, a
message in the admin) and nothing changes; a second branch-level user who may change the rule
approves it, and only then is it applied, checked again against the rules as they are then."""

from datetime import date
from decimal import Decimal

import pytest

from loans.approvals import services
from loans.approvals.models import ApprovalRequest
from loans.approvals.services import ApprovalError
from loans.savings import services as savings_services
from programmes.models import FeeRule, InterestRate, Programme, SavingsRate
from tests.api.conftest import API, token_client

from .conftest import role_user

Status = ApprovalRequest.Status


@pytest.fixture
def second_branch(roles, cast):
    return role_user("branch2", "branch", office=None, branch=cast.branch)


def post_rate(client, rate="0.60", effective_from="2026-01-01"):
    body = {"rate": rate, "effective_from": effective_from, "note": "QĐ 5"}
    return client.post(f"{API}/savings-rates/", body, format="json")


def test_a_branch_users_savings_rate_waits_for_a_second_branch_user(roles, second_branch):
    response = post_rate(token_client(roles.users["branch"]))
    approval = ApprovalRequest.objects.get()
    assert response.status_code == 202
    assert response.json() == {"approval": approval.pk, "status": "pending"}
    assert (approval.operation, approval.loan, approval.office) == ("savings-rates", None, None)
    assert not SavingsRate.objects.filter(effective_from=date(2026, 1, 1)).exists()

    decided = token_client(second_branch).post(f"{API}/approvals/{approval.pk}/approve/")
    assert decided.status_code == 200, decided.json()
    rate = SavingsRate.objects.get(effective_from=date(2026, 1, 1))
    assert (rate.rate, rate.note) == (Decimal("0.60"), "QĐ 5")
    assert decided.json()["id"] == rate.pk and decided.json()["status"] == "approved"
    assert rate.history.latest().history_user == roles.users["branch"]  # the maker's change


def test_the_maker_and_the_offices_checkers_may_not_approve_a_rule_change(roles):
    post_rate(token_client(roles.users["branch"]))
    approval = ApprovalRequest.objects.get()
    own = token_client(roles.users["branch"]).post(f"{API}/approvals/{approval.pk}/approve/")
    assert own.status_code == 403
    # A controller or director of an office does not even see the branch's request.
    for role in ["controller", "director"]:
        answer = token_client(roles.users[role]).post(f"{API}/approvals/{approval.pk}/approve/")
        assert answer.status_code == 404
        with pytest.raises(ApprovalError) as err:
            services.approve(approval, by=roles.users[role])
        assert err.value.code == "forbidden"
    approval.refresh_from_db()
    assert approval.status == Status.PENDING
    assert not SavingsRate.objects.filter(effective_from=date(2026, 1, 1)).exists()


def test_a_savings_rate_into_a_half_year_credited_meanwhile_is_refused_at_approval(
    roles, second_branch, household
):
    # Asked on time (nothing credited yet), then the first half of 2025 is credited.
    assert post_rate(token_client(roles.users["branch"]), "0.70", "2025-06-01").status_code == 202
    savings_services.deposit(household, 100_000, date(2025, 1, 5), roles.users["officer"])
    savings_services.credit_half_year(date(2025, 6, 30))
    approval = ApprovalRequest.objects.get()
    response = token_client(second_branch).post(f"{API}/approvals/{approval.pk}/approve/")
    assert response.status_code == 409
    assert "30/06/2025" in response.json()["detail"]
    approval.refresh_from_db()
    assert approval.status == Status.FAILED and "30/06/2025" in approval.reason
    assert not SavingsRate.objects.filter(effective_from=date(2025, 6, 1)).exists()


def test_the_administrator_and_a_list_without_rules_change_rates_alone(roles, settings):
    assert post_rate(token_client(roles.users["administrator"])).status_code == 201
    settings.FOUR_EYES_OPERATIONS = ["reversals"]  # the branch's list, rules taken off it
    assert (
        post_rate(token_client(roles.users["branch"]), effective_from="2026-07-01").status_code
        == 201
    )
    assert not ApprovalRequest.objects.exists()
    # Office roles and the analyst may not write rates at all.
    for role in ["officer", "controller", "director", "analyst"]:
        assert (
            post_rate(token_client(roles.users[role]), effective_from="2027-01-01").status_code
            == 403
        )


def fee_rule_form(rule: FeeRule, **changes) -> dict:
    form = {
        "name": rule.name,
        "payee": rule.payee,
        "base": rule.base,
        "rate": str(rule.rate),
        "is_example": "on" if rule.is_example else "",
        "note": rule.note,
        "commune_share": str(rule.commune_share),
        "district_share": str(rule.district_share),
        "province_share": str(rule.province_share),
        "central_share": str(rule.central_share),
        "overdue_ratio_threshold": str(rule.overdue_ratio_threshold or ""),
        "quality_multiplier": str(rule.quality_multiplier),
        "valid_from": f"{rule.valid_from:%d/%m/%Y}",
        "valid_to": f"{rule.valid_to:%d/%m/%Y}" if rule.valid_to else "",
    }
    return {**form, **changes}


def test_a_fee_rule_changed_in_the_admin_waits_then_applies(roles, second_branch, client):
    rule = FeeRule.objects.get(is_example=True, payee="group_leader")
    old_rate = rule.rate
    client.force_login(roles.users["branch"])
    url = f"/admin/programmes/feerule/{rule.pk}/change/"
    response = client.post(url, fee_rule_form(rule, rate="7"), follow=True)
    approval = ApprovalRequest.objects.get()
    assert (
        response.redirect_chain[-1][0] == f"/admin/approvals/approvalrequest/{approval.pk}/change/"
    )
    assert "chờ người thứ hai duyệt" in response.content.decode()
    assert approval.parameters == {"pk": rule.pk, "data": {"rate": "7"}}  # only what changed
    rule.refresh_from_db()
    assert rule.rate == old_rate  # nothing changed

    client.force_login(second_branch)
    done = client.post(f"/admin/approvals/approvalrequest/{approval.pk}/approve/", {})
    assert done.status_code == 302
    rule.refresh_from_db()
    assert rule.rate == Decimal("7")
    approval.refresh_from_db()
    assert (approval.status, approval.checker) == (Status.APPROVED, second_branch)


def test_two_overlapping_fee_rules_asked_at_once_the_second_is_refused(roles, second_branch):
    # Both close the shipped commission rule on a different day and add one from then; each
    # held alone holds; approved one after the other, the second overlaps the first's.
    maker = roles.users["branch"]
    asks = []
    for start in ["2026-01-01", "2026-03-01"]:
        data = {
            "name": f"Hoa hồng từ {start}",
            "payee": "group_leader",
            "base": "interest_collected",
            "rate": "6",
            "valid_from": start,
        }
        asks.append(services.rule_changes.hold(maker, "fee-rules", {"pk": None, "data": data}))
    old = FeeRule.objects.get(is_example=True, payee="group_leader")
    old.valid_to = date(2025, 12, 31)
    old.save()
    first, second = ApprovalRequest.objects.filter(pk__in=asks).order_by("pk")
    services.approve(first, by=second_branch)
    with pytest.raises(ApprovalError) as err:
        services.approve(second, by=second_branch)
    assert err.value.code == "approval_stale" and "Trùng thời gian hiệu lực" in err.value.message
    assert list(
        FeeRule.objects.filter(valid_from__gte=date(2026, 1, 1)).values_list("name", flat=True)
    ) == ["Hoa hồng từ 2026-01-01"]


def test_a_programme_rate_added_in_the_admin_waits_for_the_second_person(
    roles, second_branch, client
):
    programme = Programme.objects.get(code="HN")
    before = programme.rates.count()
    client.force_login(roles.users["branch"])
    page = client.get(f"/admin/programmes/programme/{programme.pk}/change/")
    data = _programme_post(page, programme)
    prefix = "rates"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-household_category": "",
            f"{prefix}-{total}-annual_rate": "6.9",
            f"{prefix}-{total}-effective_from": "01/01/2027",
            f"{prefix}-{total}-note": "QĐ 9",
            f"{prefix}-{total}-programme": str(programme.pk),
        }
    )
    response = client.post(f"/admin/programmes/programme/{programme.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    approval = ApprovalRequest.objects.get()
    assert approval.operation == "interest-rates"
    assert programme.rates.count() == before
    services.approve(approval, by=second_branch)
    rate = InterestRate.objects.get(programme=programme, effective_from=date(2027, 1, 1))
    assert (rate.annual_rate, rate.note) == (Decimal("6.9"), "QĐ 9")


def _form_values(form, prefix: str = "") -> dict:
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(form[name].value())
        if value is True:
            data[f"{prefix}{name}"] = "on"
        elif value is not None and value is not False:
            data[f"{prefix}{name}"] = value
    return data


def _programme_post(page, programme) -> dict:
    """The programme page's form as the browser would send it back unchanged."""
    data = _form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form, f"{formset.prefix}-"))
        for index, sub in enumerate(formset.forms):
            data.update(_form_values(sub, f"{formset.prefix}-{index}-"))
    return data
