"""Take-on workbooks for the tests: the three hand-checked loans and a 50-loan book in every
state (current, overdue by several instalments, in grace, frozen), as sheet rows."""

from datetime import date

from loans.positions import add_months, build_schedule
from loans.takeon.workbook import workbook_bytes

AS_OF = date(2025, 7, 20)


def household(national_id: str, group: str, name: str = "Bùi Hải Tuyết") -> list:
    return [national_id, name, "17/05/1980", "female", "Tày", "poor", group, "Thôn Nà Lầu"]


def loan(contract: str, national_id: str, **f) -> list:
    """A loans row; every figure as a keyword (amounts may be ints or grouped text)."""
    return [
        contract,
        national_id,
        f.get("programme", "HN"),
        f.get("loan_line", ""),
        f.get("rate", "6.6"),
        f["approved"],
        f["approved_on"],
        f["first"],
        f["disbursed"],
        f["term"],
        f.get("grace", 0),
        f.get("frequency", 6),
        f["due_day"],
        f["outstanding"],
        f.get("arrears", 0),
        f.get("accrued", 0),
        f.get("overdue", 0),
        f.get("list_ref", ""),
        f.get("list_date", ""),
        f.get("frozen_from", ""),
        f.get("freeze_decision", ""),
        f.get("extended_to", ""),
    ]


def example_b() -> tuple[list, list[list]]:
    """DOMAIN.md worked example B at C = 20 Jul 2025: 50,000,000 at 6.6%, due day 10; the
    instalment of 10 Jul 2025 unpaid; the figures at C are the example's."""
    row = loan(
        "B-001",
        "020180000001",
        approved="50.000.000",
        approved_on="2025-01-02",
        first="10/01/2025",
        disbursed=50_000_000,
        term=36,
        due_day=10,
        outstanding=50_000_000,
        arrears="1.103.507",
        accrued=103_972,
        overdue=19_588,
    )
    schedule = build_schedule(
        principal=50_000_000,
        first_disbursed_on=date(2025, 1, 10),
        term_months=36,
        grace_months=0,
        frequency_months=6,
        due_day=10,
    )
    return row, [["B-001", due.isoformat(), amount] for due, amount in schedule]


def example_a() -> tuple[list, list[list]]:
    """DOMAIN.md worked example A (Decree 28 housing, in grace) taken on at C = 20 Jul 2025.
    40,000,000 on 15 Mar 2024, 3%, due day 21, nothing paid: arrears = the periods due 21 Apr
    2024 .. 21 Jun 2025; accrued = 21 Jun .. 20 Jul 2025 (30 days). Figures given in the file."""
    row = loan(
        "A-001",
        "020180000002",
        programme="ND28-NHA",
        rate="3",
        approved=40_000_000,
        approved_on="2024-03-01",
        first="2024-03-15",
        disbursed=40_000_000,
        term=180,
        grace=60,
        due_day=21,
        outstanding=40_000_000,
        arrears=1_519_999,
        accrued=98_630,
        list_ref="QĐ 456/QĐ-UBND",
        list_date="2024-03-01",
    )
    schedule = build_schedule(
        principal=40_000_000,
        first_disbursed_on=date(2024, 3, 15),
        term_months=180,
        grace_months=60,
        frequency_months=6,
        due_day=21,
    )
    return row, [["A-001", due.isoformat(), amount] for due, amount in schedule]


def frozen() -> tuple[list, list[list]]:
    """An HN loan frozen (khoanh nợ) since 1 Jun 2025: 20,000,000 left, 5,000,000 overdue since
    10 Jan 2025; no accrual after the freeze, so nothing accrues after C either."""
    row = loan(
        "F-001",
        "020180000003",
        approved=30_000_000,
        approved_on="2022-01-01",
        first="2022-01-10",
        disbursed=30_000_000,
        term=60,
        frequency=12,
        due_day=10,
        outstanding=20_000_000,
        arrears=350_000,
        accrued=0,
        overdue=120_000,
        frozen_from="2025-06-01",
        freeze_decision="QĐ 12/QĐ-UBND",
    )
    dues = [("2025-01-10", 5_000_000), ("2026-01-10", 5_000_000), ("2027-01-10", 10_000_000)]
    return row, [["F-001", due, amount] for due, amount in dues]


def fifty(group: str) -> dict[str, list[list]]:
    """50 loans of 50 households: the three above and 47 more, current, overdue by 1..3
    instalments, in grace and frozen in turn; the figures at C are arbitrary but consistent."""
    tables: dict[str, list[list]] = {"households": [], "loans": [], "instalments": []}
    for i, (row, rows) in enumerate((example_b(), example_a(), frozen())):
        tables["households"].append(household(row[1], group, f"Nông Thị {i}"))
        tables["loans"].append(row)
        tables["instalments"].extend(rows)
    for i in range(47):
        national_id = f"0201900{i:05d}"
        tables["households"].append(household(national_id, group, f"Hoàng Văn {i}"))
        row, rows = _generated(i, national_id)
        tables["loans"].append(row)
        tables["instalments"].extend(rows)
    # Savings of every fifth household, from 0 to 4,800,000 đồng.
    tables["savings"] = [
        [h[0], f"{i * 100_000:,}".replace(",", ".")]
        for i, h in enumerate(tables["households"])
        if i % 5 == 0
    ]
    return tables


def _generated(i: int, national_id: str) -> tuple[list, list[list]]:
    state = ("current", "overdue", "grace", "frozen")[i % 4]
    first = date(2023, 1 + i % 12, 5)
    grace = 36 if state == "grace" else 0
    schedule = build_schedule(
        principal=36_000_000,
        first_disbursed_on=first,
        term_months=60,
        grace_months=grace,
        frequency_months=6,
        due_day=15,
    )
    due_by_c = [s for s in schedule if s[0] <= AS_OF]
    unpaid_overdue = due_by_c[-(1 + i % 3) :] if state in ("overdue", "frozen") else []
    later = [s for s in schedule if s[0] > AS_OF]
    rows = unpaid_overdue + later
    contract = f"G-{i:03d}"
    outstanding = sum(amount for _d, amount in rows)
    extra = {"frozen_from": add_months(AS_OF, -1, 1).isoformat(), "freeze_decision": "QĐ 7"}
    row = loan(
        contract,
        national_id,
        approved=40_000_000,
        approved_on=first.isoformat(),
        first=first.strftime("%d/%m/%Y"),
        disbursed=36_000_000,
        term=60,
        grace=grace,
        due_day=15,
        outstanding=f"{outstanding:,}".replace(",", "."),
        arrears=1000 * (i % 5),
        accrued=1000 + i,
        overdue=100 * i if unpaid_overdue else 0,
        **(extra if state == "frozen" else {}),
    )
    return row, [[contract, due.isoformat(), amount] for due, amount in rows]


def as_file(tables: dict[str, list[list]]) -> bytes:
    return workbook_bytes(tables)
