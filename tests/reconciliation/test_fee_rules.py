"""Fee and commission rules (DOMAIN.md §5): shipped examples, effective dates, the quality
condition, rounding once per payee and group, and the split that always adds up."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from core.money import allocate_largest_remainder
from loans.reconciliation.models import FeePayment
from programmes.models import FeeRule
from tasks.jobs import reconciliation
from tasks.jobs.fees import allocate_by_group, group_fee, rules_in_force


def example(payee: str) -> FeeRule:
    return FeeRule.objects.get(is_example=True, payee=payee)


@pytest.mark.django_db
def test_the_example_rules_are_shipped_and_labelled_as_examples():
    leader, association = example("group_leader"), example("association")

    assert (leader.base, leader.rate) == ("interest_collected", Decimal("8"))
    assert (association.base, association.rate) == ("interest_collected", Decimal("4"))
    assert association.shares == [Decimal("45"), Decimal("30"), Decimal("15"), Decimal("10")]
    for rule in (leader, association):
        assert rule.overdue_ratio_threshold == Decimal("2")
        assert rule.quality_multiplier == Decimal("0.5")
        assert rule.name.startswith("Ví dụ") and "không phải quy định" in rule.note
    assert rules_in_force(date(2025, 6, 30)) == {"group_leader": leader, "association": association}


@pytest.mark.django_db
def test_the_rate_is_halved_only_when_the_overdue_ratio_exceeds_the_threshold():
    leader = example("group_leader")
    # Exactly 2% overdue (200,000 of 10,000,000) does not exceed 2%: 8% × 1,000,000 = 80,000.
    at_threshold = group_fee(leader, base_amount=1_000_000, outstanding=10_000_000, overdue=200_000)
    assert (at_threshold.reduced, at_threshold.total) == (False, 80_000)
    # One đồng more does: 4% × 1,000,000 = 40,000.
    above = group_fee(leader, base_amount=1_000_000, outstanding=10_000_000, overdue=200_001)
    assert (above.reduced, above.rate, above.total) == (True, Decimal("4.0"), 40_000)
    # No outstanding, no ratio: never reduced.
    empty = group_fee(leader, base_amount=0, outstanding=0, overdue=0)
    assert (empty.reduced, empty.total) == (False, 0)


@pytest.mark.django_db
def test_a_fee_is_rounded_half_up_once():
    association = example("association")
    # 4% × 12,345 = 493.8 → 494; halved: 2% × 12,375 = 247.5 → 248 (half-up, not to even).
    assert group_fee(association, base_amount=12_345, outstanding=1, overdue=0).total == 494
    assert group_fee(association, base_amount=12_375, outstanding=100, overdue=3).total == 248


def test_the_association_split_always_adds_up():
    for total in range(0, 2_000):
        parts = allocate_largest_remainder(total, [4500, 3000, 1500, 1000])
        assert sum(parts) == total and all(part >= 0 for part in parts)


GROUPS = st.lists(
    st.tuples(
        st.integers(0, 10**9),  # the group's fee
        st.lists(st.integers(0, 10**11), min_size=1, max_size=8),  # its loans' bases
    ),
    min_size=1,
    max_size=6,
)


@given(GROUPS)
def test_allocating_all_groups_at_once_equals_one_group_at_a_time(groups):
    groups = [(amount if sum(w) else 0, w) for amount, w in groups]  # no base, no fee
    expected = [
        part
        for amount, w in groups
        for part in (allocate_largest_remainder(amount, w) if sum(w) else [0] * len(w))
    ]
    codes = np.repeat(np.arange(len(groups)), [len(w) for _a, w in groups])
    weights = np.array([x for _a, w in groups for x in w], dtype=np.int64)
    amounts = np.array([a for a, _w in groups], dtype=np.int64)
    # Interleave the groups' rows (round robin), keeping each group's own order.
    position = np.concatenate([np.arange(len(w)) for _a, w in groups])
    interleaved = np.lexsort((codes, position))
    parts = allocate_by_group(amounts, weights[interleaved], codes[interleaved])
    result = np.empty_like(parts)
    result[interleaved] = parts
    assert result.tolist() == expected


@pytest.mark.django_db
def test_the_rule_in_force_on_the_last_day_applies_to_the_month():
    old = example("group_leader")
    old.valid_to = date(2025, 6, 14)
    old.full_clean()
    old.save()
    new = FeeRule(
        name="Hoa hồng tổ trưởng 7% từ 15/6/2025",
        payee="group_leader",
        rate=Decimal("7"),
        valid_from=date(2025, 6, 15),
    )
    new.full_clean()
    new.save()

    assert rules_in_force(date(2025, 5, 31))["group_leader"] == old
    assert rules_in_force(date(2025, 6, 30))["group_leader"] == new


@pytest.mark.django_db
def test_two_rules_of_one_payee_may_not_overlap():
    overlapping = FeeRule(
        name="Hoa hồng 10%", payee="group_leader", rate=Decimal("10"), valid_from=date(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "Trùng thời gian hiệu lực" in str(error.value)


@pytest.mark.django_db
def test_an_association_fee_is_split_in_full():
    unsplit = FeeRule(
        name="Phí 4%",
        payee="association",
        rate=Decimal("4"),
        commune_share=Decimal("50"),
        district_share=Decimal("30"),
        valid_from=date(2030, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        unsplit.full_clean()
    assert "100%" in str(error.value)
    # The database refuses an association fee split nowhere, and a split commission.
    nowhere = FeeRule(
        name="Phí 4%", payee="association", rate=Decimal("4"), valid_from=date(2030, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        nowhere.save()
    split_commission = FeeRule(
        name="Hoa hồng",
        payee="group_leader",
        rate=Decimal("8"),
        commune_share=Decimal("100"),
        valid_from=date(2030, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        split_commission.save()


SHARES = ["commune_share", "district_share", "province_share", "central_share"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shares", [("33.33", "33.33", "33.34", "0"), ("12.34", "56.78", "20.66", "10.22")]
)
def test_shares_with_decimals_that_make_100_percent_are_accepted(shares):
    FeeRule.objects.filter(payee="association").update(valid_to=date(2029, 12, 31))
    rule = FeeRule(
        name="Phí ủy thác 4%",
        payee="association",
        rate=Decimal("4"),
        valid_from=date(2030, 1, 1),
        **dict(zip(SHARES, map(Decimal, shares), strict=True)),
    )
    rule.full_clean()
    rule.save()
    assert sum(rule.shares) == 100


def test_a_fee_on_month_end_outstanding(june):
    # Replace the example association rule from June by 0.05% of the month-end outstanding.
    FeeRule.objects.filter(pk=example("association").pk).update(valid_to=date(2025, 5, 31))
    FeeRule.objects.create(
        name="Phí ủy thác 0,05% dư nợ",
        payee="association",
        base="outstanding",
        rate=Decimal("0.05"),
        commune_share=Decimal("40"),
        district_share=Decimal("30"),
        province_share=Decimal("20"),
        central_share=Decimal("10"),
        overdue_ratio_threshold=Decimal("2"),
        quality_multiplier=Decimal("0.5"),
        valid_from=date(2025, 6, 1),
    )

    reconciliation.run_reconciliation(month="2025-06")

    def fees(group):
        rows = FeePayment.objects.filter(savings_group=group).exclude(payee="group_leader")
        return {fee.payee: (fee.base_amount, fee.total, fee.amount) for fee in rows}

    # Group A: 0.05% × 49,750,000 = 24,875; 40/30/20/10% = 9,950 / 7,462.5 / 4,975 /
    # 2,487.5 → floors 9,950 + 7,462 + 4,975 + 2,487 = 24,874, the last đồng to the first of
    # the two equal remainders (district).
    assert fees(june.group_a) == {
        "commune": (49_750_000, 24_875, 9_950),
        "district": (49_750_000, 24_875, 7_463),
        "province": (49_750_000, 24_875, 4_975),
        "central": (49_750_000, 24_875, 2_487),
    }
    # Group B is halved (5.6% overdue): 0.025% × 45,000,000 = 11,250 → 4,500 / 3,375 / 2,250
    # / 1,125.
    assert fees(june.group_b) == {
        "commune": (45_000_000, 11_250, 4_500),
        "district": (45_000_000, 11_250, 3_375),
        "province": (45_000_000, 11_250, 2_250),
        "central": (45_000_000, 11_250, 1_125),
    }


def test_the_branch_edits_rules_in_the_admin_and_officers_only_look(cast, client):
    rule = example("group_leader")
    client.force_login(cast.alice)
    page = client.get(f"/admin/programmes/feerule/{rule.pk}/change/")
    assert page.status_code == 200 and 'name="rate"' not in page.content.decode()
    assert client.get("/admin/programmes/feerule/add/").status_code == 403

    client.force_login(cast.carol)
    listing = client.get("/admin/programmes/feerule/").content.decode()
    assert "Ví dụ: hoa hồng tổ trưởng 8% lãi thực thu" in listing
    assert "8,00 %" in listing  # the rate column, written as every percent is (core.money)
    form = {
        "name": rule.name,
        "payee": "group_leader",
        "base": "interest_collected",
        "rate": "8",
        "is_example": "on",
        "note": rule.note,
        "commune_share": "0",
        "district_share": "0",
        "province_share": "0",
        "central_share": "0",
        "overdue_ratio_threshold": "2",
        "quality_multiplier": "0.5",
        "valid_from": "01/01/2000",
        "valid_to": "31/12/2025",
    }
    response = client.post(f"/admin/programmes/feerule/{rule.pk}/change/", form)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.valid_to == date(2025, 12, 31)
    # Audited: who changed the rule, when, and what it became.
    change = rule.history.latest()
    assert (change.history_user, change.valid_to) == (cast.carol, date(2025, 12, 31))
    # No delete: past months were paid by this rule.
    assert client.get(f"/admin/programmes/feerule/{rule.pk}/delete/").status_code == 403
