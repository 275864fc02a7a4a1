"""The columns of the reconciliation, the fee statement and the collection list 13/TD: their
keys (the API's English names, the CSV header), their Vietnamese headings (the Excel files and
the admin pages), and how a value reads on a page."""

from django.utils.translation import gettext_noop

from core.money import format_percent, group_digits

LABELS = {
    # keys
    "loan": gettext_noop("ID khoản vay"),
    "contract_number": gettext_noop("Số khế ước"),
    "borrower_name": gettext_noop("Hộ vay"),
    "savings_group": gettext_noop("ID tổ"),
    "savings_group_code": gettext_noop("Mã tổ"),
    "savings_group_name": gettext_noop("Tổ TK&VV"),
    "leader": gettext_noop("Tổ trưởng"),
    "association": gettext_noop("ID hội"),
    "association_name": gettext_noop("Hội đoàn thể"),
    "association_kind": gettext_noop("Hội"),
    "association_level": gettext_noop("Cấp hội"),
    "transaction_point": gettext_noop("ID điểm GD"),
    "transaction_point_name": gettext_noop("Điểm giao dịch"),
    "office": gettext_noop("ID PGD"),
    "office_name": gettext_noop("Phòng giao dịch"),
    "programme": gettext_noop("ID chương trình"),
    "programme_code": gettext_noop("Mã chương trình"),
    "programme_name": gettext_noop("Chương trình"),
    "groups": gettext_noop("Số tổ"),
    # figures
    "opening_outstanding": gettext_noop("Dư nợ đầu kỳ"),
    "disbursed": gettext_noop("Giải ngân"),
    "principal_repaid": gettext_noop("Thu nợ gốc"),
    "written_off": gettext_noop("Xóa nợ gốc"),
    "closing_outstanding": gettext_noop("Dư nợ cuối kỳ"),
    "interest_due": gettext_noop("Lãi phải thu trong tháng"),
    "interest_collected": gettext_noop("Lãi thực thu"),
    "collection_rate": gettext_noop("Tỷ lệ thu lãi"),
    "interest_arrears": gettext_noop("Lãi tồn đọng cuối tháng"),
    "overdue_principal": gettext_noop("Nợ quá hạn cuối tháng"),
    "overdue_ratio": gettext_noop("Tỷ lệ nợ quá hạn"),
    "leader_commission": gettext_noop("Hoa hồng tổ trưởng"),
    "association_fee": gettext_noop("Phí ủy thác (tổng)"),
    "fee_commune": gettext_noop("Phí ủy thác cấp xã"),
    "fee_district": gettext_noop("Phí ủy thác cấp huyện"),
    "fee_province": gettext_noop("Phí ủy thác cấp tỉnh"),
    "fee_central": gettext_noop("Phí ủy thác cấp TW"),
    "fee_earned": gettext_noop("Phí ủy thác hội được hưởng"),
    "base_amount": gettext_noop("Cơ sở tính (lãi thực thu / dư nợ)"),
    "group_outstanding": gettext_noop("Dư nợ của tổ"),
    "group_overdue": gettext_noop("Nợ quá hạn của tổ"),
    "rate": gettext_noop("Tỷ lệ áp dụng (%)"),
    "reduced": gettext_noop("Giảm do nợ quá hạn"),
    "amount": gettext_noop("Số tiền"),
    "payee": gettext_noop("Người nhận"),
    # discrepancies
    "kind": gettext_noop("Loại chênh lệch"),
    "field": gettext_noop("Chỉ tiêu"),
    "expected": gettext_noop("Theo sổ nhật ký"),
    "actual": gettext_noop("Số đối chiếu"),
    "difference": gettext_noop("Chênh lệch"),
}
# Marked for extraction; files keep the Vietnamese, the admin pages translate them.
LEVEL_LABELS = {
    "loan": gettext_noop("khoản vay"),
    "savings_group": gettext_noop("tổ TK&VV"),
    "association": gettext_noop("hội đoàn thể (từng cấp)"),
    "transaction_point": gettext_noop("điểm giao dịch"),
    "office": gettext_noop("phòng giao dịch"),
    "programme": gettext_noop("chương trình cho vay"),
    "commune": gettext_noop("cấp xã"),
    "district": gettext_noop("cấp huyện"),
    "province": gettext_noop("cấp tỉnh"),
    "central": gettext_noop("cấp trung ương"),
    "group_leader": gettext_noop("tổ trưởng"),
}
FIGURES = [
    "opening_outstanding",
    "disbursed",
    "principal_repaid",
    "written_off",
    "closing_outstanding",
    "interest_due",
    "interest_collected",
    "collection_rate",
    "interest_arrears",
    "overdue_principal",
    "overdue_ratio",
    "leader_commission",
    "association_fee",
    "fee_commune",
    "fee_district",
    "fee_province",
    "fee_central",
]
KEYS = {
    "loan": ["contract_number", "borrower_name", "programme_code", "loan", "savings_group"],
    "savings_group": ["savings_group_code", "savings_group_name", "leader", "association_name"],
    "association": ["association_level", "association_name", "association_kind", "association"],
    "transaction_point": ["transaction_point_name", "transaction_point", "office"],
    "office": ["office_name", "office"],
    "programme": ["programme_code", "programme_name", "programme"],
}
DISCREPANCY_COLUMNS = [
    "contract_number",
    "loan",
    "kind",
    "field",
    "expected",
    "actual",
    "difference",
]
LEADER_COLUMNS = [
    "savings_group_code",
    "savings_group_name",
    "leader",
    "transaction_point_name",
    "base_amount",
    "group_outstanding",
    "group_overdue",
    "overdue_ratio",
    "rate",
    "reduced",
    "amount",
]
ASSOCIATION_FEE_COLUMNS = [
    "association_level",
    "association_name",
    "groups",
    "base_amount",
    "amount",
]
# The 13/TD's columns as on the paper form: (key, heading).
COLLECTION_COLUMNS = [
    ("number", gettext_noop("STT")),
    ("borrower_name", gettext_noop("Họ và tên người vay")),
    ("programme_code", gettext_noop("Chương trình")),
    ("contract_number", gettext_noop("Số khế ước")),
    ("outstanding_principal", gettext_noop("Dư nợ")),
    ("interest_due", gettext_noop("Lãi phải thu kỳ này (gồm lãi tồn)")),
    ("interest_arrears", gettext_noop("Trong đó: lãi tồn đọng")),
    ("principal_due", gettext_noop("Gốc đến hạn phải trả")),
    ("savings_balance", gettext_noop("Số dư tiền gửi")),
    ("interest_collected", gettext_noop("Lãi thực thu")),
    ("principal_collected", gettext_noop("Gốc thu được")),
    ("savings_deposited", gettext_noop("Tiền gửi tiết kiệm")),
    ("signature", gettext_noop("Ký nhận")),
]
FEE_CSV_COLUMNS = [
    "payee",
    "association",
    "association_name",
    "savings_group",
    "savings_group_code",
    "savings_group_name",
    "leader",
    "groups",
    "base_amount",
    "rate",
    "reduced",
    "amount",
]
# The reconciliation page shows its figures in three tables, so that each fits a 1366-px screen
# (the files keep one wide table); the ID columns are left to the files.
PAGE_SECTIONS = [
    (
        gettext_noop("Dư nợ"),
        [
            "opening_outstanding",
            "disbursed",
            "principal_repaid",
            "written_off",
            "closing_outstanding",
            "overdue_principal",
            "overdue_ratio",
        ],
    ),
    (
        gettext_noop("Lãi"),
        ["interest_due", "interest_collected", "collection_rate", "interest_arrears"],
    ),
    (
        gettext_noop("Hoa hồng tổ trưởng và phí ủy thác"),
        [
            "leader_commission",
            "association_fee",
            "fee_commune",
            "fee_district",
            "fee_province",
            "fee_central",
        ],
    ),
]
ID_KEYS = frozenset(
    {"loan", "savings_group", "association", "transaction_point", "office", "programme"}
)
# Ratios (fractions of 1): a percent on the pages, a percent-formatted number in Excel.
RATIO_KEYS = frozenset({"collection_rate", "overdue_ratio"})


def reconciliation_columns(level: str) -> list[str]:
    """The keys of a reconciliation table at `level`: the level's keys, then the figures."""
    extra = ["fee_earned"] if level == "association" else []
    return [*KEYS[level], *FIGURES, *extra]


def page_sections(level: str) -> list[tuple[str, list[str], list[str]]]:
    """(title, the level's keys a page shows, figures) of each table of a reconciliation page."""
    keys = [key for key in KEYS[level] if key not in ID_KEYS]
    sections = [(title, keys, list(figures)) for title, figures in PAGE_SECTIONS]
    if level == "association":
        sections[-1][2].append("fee_earned")
    return sections


def cell_value(key: str, value):
    """The value as a file shows it: a level by its Vietnamese name, "có" for a reduction."""
    if key in ("association_level", "payee") and value in LEVEL_LABELS:
        return LEVEL_LABELS[value]
    if key == "reduced":
        return "có" if value else ""
    return value


def shown(key: str, value) -> str:
    """The value as a page shows it: amounts grouped (1.234.567), ratios as a percent."""
    value = cell_value(key, value)
    if value is None or value == "":
        return ""
    if key in RATIO_KEYS:
        return format_percent(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return group_digits(value)
    return str(value)
