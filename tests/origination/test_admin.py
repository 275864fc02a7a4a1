"""Applications in the admin, with the Django test client: the whole path from the application
01/TD to the first disbursement, each step a form on the application's page whose errors land on
its fields; office scoping; the household and group pickers; no delete anywhere."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from loans.models import Loan, LoanStatus
from loans.origination.models import ApplicationStatus, LoanApplication
from tests.factories import BorrowerFactory, PointFactory, SavingsGroupFactory, staff_user

from .conftest import M, certified, submit

ADD = "admin:origination_loanapplication_add"
CHANGELIST = "admin:origination_loanapplication_changelist"


def page(application) -> str:
    return reverse("admin:origination_loanapplication_change", args=[application.pk])


@pytest.fixture
def alice(client, cast):
    client.force_login(cast.alice)
    return client


@pytest.fixture
def bob_application(cast):
    group = SavingsGroupFactory(transaction_point=PointFactory(office=cast.bac_son))
    return submit(BorrowerFactory(savings_group=group, full_name="Hà Thị Bắc Sơn"), by=cast.bob)


def application_form(borrower, **fields) -> dict:
    return {
        "borrower": borrower.pk,
        "programme": Loan._meta.get_field("programme").related_model.objects.get(code="HN").pk,
        "amount": "50.000.000",
        "term_months": "36",
        "principal_frequency_months": "6",
        "purpose": "Mua 01 con trâu sinh sản",
        "applied_on": "03/03/2025",
        **fields,
    }


def step(client, application, name: str, **fields):
    data = {"_step": name, **{f"{name}-{key}": value for key, value in fields.items()}}
    return client.post(page(application), data)


def test_from_the_application_to_the_first_disbursement_in_the_admin(cast, alice, applicant):
    application = _received(alice, applicant, officer=cast.alice)
    _taken_to_the_decision(alice, application)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    loan = application.loan
    assert loan.approved_on.isoformat() == "2025-03-20"
    shown = alice.get(page(application))
    assert reverse("admin:loans_loan_change", args=[loan.pk]) in shown.text
    assert reverse("admin:origination_loanapplication_notice") in shown.text

    disburse = reverse("admin:loans_loan_disburse", args=[loan.pk])
    posted = alice.post(disburse, {"amount": "50.000.000", "value_date": "10/04/2025"})
    assert posted.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE
    # 6 instalments: 5 × 8,333,000 and the last 50,000,000 − 41,665,000 = 8,335,000.
    instalments = list(loan.instalments.order_by("seq").values_list("principal", flat=True))
    assert instalments == [8_333_000] * 5 + [8_335_000]


def _received(client, applicant, *, officer) -> LoanApplication:
    form = client.get(reverse(ADD))
    assert form.status_code == 200
    assert "01/TD" in form.text
    added = client.post(reverse(ADD), application_form(applicant))
    assert added.status_code == 302, added.context["form"].errors
    application = LoanApplication.objects.get()
    assert added.url == page(application)
    assert (application.amount, application.submitted_by) == (50 * M, officer)
    return application


def _taken_to_the_decision(client, application) -> None:
    shown = client.get(page(application))
    assert 'name="_step" value="vote"' in shown.text
    assert 'name="_step" value="certify"' not in shown.text  # the vote comes first

    # Half of those present is not a majority: the error is on the form's field.
    meeting = {"meeting_date": "10/03/2025", "members_present": "8"}
    minority = step(client, application, "vote", **meeting, votes_for="4")
    assert minority.status_code == 200
    vote_form = next(f for f in minority.context["step_forms"] if f.step == "vote")
    assert "votes_for" in vote_form.errors
    assert "4/8" in minority.text

    assert step(client, application, "vote", **meeting, votes_for="7").status_code == 302
    certification = {"certified_on": "14/03/2025", "reference": "12"}
    assert step(client, application, "certify", **certification).status_code == 302
    decision = {"decision": "approve", "decided_on": "20/03/2025"}
    assert step(client, application, "decide", **decision).status_code == 302


def test_a_broken_rule_on_the_application_lands_on_its_field(alice, applicant):
    over = alice.post(reverse(ADD), application_form(applicant, amount="100.000.001"))
    assert over.status_code == 200
    assert "amount" in over.context["form"].errors
    assert "100.000.000" in over.text
    assert not LoanApplication.objects.exists()


def test_a_step_from_a_stale_page_shows_why_it_is_refused(cast, alice, applicant):
    application = submit(applicant, by=cast.alice)
    # Another officer withdrew it meanwhile; this page still offered the vote.
    application.status = ApplicationStatus.WITHDRAWN
    application.save()
    stale = step(
        alice, application, "vote", meeting_date="10/03/2025", members_present="8", votes_for="7"
    )
    assert stale.status_code == 200
    assert "đã được rút" in stale.text


def test_the_decision_is_offered_to_those_who_may_decide(cast, client, applicant):
    application = certified(applicant, by=cast.alice)
    officer = staff_user("dung", office=cast.van_quan, branch=cast.branch)
    officer.user_permissions.remove(Permission.objects.get(codename="decide_loanapplication"))
    client.force_login(officer)
    shown = client.get(page(application))
    assert 'value="decide"' not in shown.text
    assert 'value="withdraw"' in shown.text
    refused = step(client, application, "decide", decision="approve", decided_on="20/03/2025")
    assert refused.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CERTIFIED


def test_an_officer_sees_only_her_offices_applications(cast, alice, applicant, bob_application):
    mine = submit(applicant, by=cast.alice)
    listed = alice.get(reverse(CHANGELIST))
    assert listed.status_code == 200
    assert applicant.full_name in listed.text
    assert "Hà Thị Bắc Sơn" not in listed.text
    assert alice.get(page(bob_application)).status_code == 404
    assert step(alice, bob_application, "withdraw", reason="x").status_code == 404
    for query in (
        {"status__exact": "submitted"},
        {"transaction_point__id__exact": mine.transaction_point_id},
        {"savings_group__id__exact": mine.savings_group_id},
    ):
        filtered = alice.get(reverse(CHANGELIST), query)
        assert filtered.status_code == 200
        assert applicant.full_name in filtered.text


def test_the_filters_list_only_the_users_points_and_groups(cast, alice, applicant, bob_application):
    submit(applicant, by=cast.alice)
    listed = alice.get(reverse(CHANGELIST)).text
    assert applicant.savings_group.code in listed
    assert bob_application.savings_group.code not in listed
    assert bob_application.transaction_point.code not in listed


def test_the_pickers_show_code_village_and_point(cast, alice, applicant, bob_application):
    picker = reverse("admin:origination_loanapplication_picker")
    query = {"app_label": "origination", "model_name": "loanapplication"}
    households = alice.get(picker, {**query, "field_name": "borrower", "term": "Hoàng"}).json()
    assert households["results"] == [
        {
            "id": str(applicant.pk),
            "text": f"{applicant.national_id} – Hoàng Thị Mai – Thôn Nà Lầu – "
            "Điểm giao dịch xã Tràng Các",
        }
    ]
    group = applicant.savings_group
    groups = alice.get(picker, {**query, "field_name": "savings_group", "term": "VQ-TC"}).json()
    assert [row["text"] for row in groups["results"]] == [
        f"VQ-TC-01 – {group.name} – Thôn Nà Lầu – Điểm giao dịch xã Tràng Các"
    ]
    other = alice.get(picker, {**query, "field_name": "borrower", "term": "Bắc Sơn"}).json()
    assert other["results"] == []


def test_nothing_is_deleted_nor_edited(cast, alice, applicant):
    application = submit(applicant, by=cast.alice)
    shown = alice.get(page(application)).text
    assert "deletelink" not in shown
    assert 'name="_save"' not in shown
    listed = alice.get(reverse(CHANGELIST)).text
    assert "delete_selected" not in listed
    delete = reverse("admin:origination_loanapplication_delete", args=[application.pk])
    assert alice.post(delete, {"post": "yes"}).status_code == 403
    assert LoanApplication.objects.filter(pk=application.pk).exists()
