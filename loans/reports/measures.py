"""The measures and titles of the province reports (DOMAIN.md §6), in the officers' words."""

from django.utils.translation import gettext_noop

from .result import Measure

PORTFOLIO_MEASURES = [
    Measure("loans", gettext_noop("Số món vay"), "count"),
    Measure("borrowers", gettext_noop("Số hộ vay"), "count"),
    Measure("outstanding_principal", gettext_noop("Dư nợ")),
    Measure("overdue_principal", gettext_noop("Nợ quá hạn")),
    Measure("overdue_ratio", gettext_noop("Tỷ lệ nợ quá hạn"), "ratio"),
    Measure("frozen_principal", gettext_noop("Nợ khoanh")),
    Measure("interest_arrears", gettext_noop("Lãi tồn đọng")),
]
# Journal kinds summed by the flows report (a reversed entry and its reversal both drop out).
FLOW_KINDS = {
    "disbursed": "disbursement",
    "principal_collected": "principal_repayment",
    "interest_collected": "interest_payment",
    "written_off": "write_off",
    "interest_written_off": "interest_write_off",
}
FLOW_MEASURES = [
    Measure("disbursed", gettext_noop("Doanh số cho vay")),
    Measure("principal_collected", gettext_noop("Doanh số thu nợ gốc")),
    Measure("interest_collected", gettext_noop("Lãi đã thu")),
    Measure("written_off", gettext_noop("Nợ gốc đã xóa")),
    Measure("interest_written_off", gettext_noop("Lãi đã xóa")),
    Measure("new_loans", gettext_noop("Số món vay mới"), "count"),
    Measure("closed_loans", gettext_noop("Số món hết dư nợ"), "count"),
]
DECREE_28_MEASURES = [
    Measure("households_reached", gettext_noop("Số hộ được vay trong kỳ"), "count"),
    Measure("households_reached_minority", gettext_noop("trong đó: hộ dân tộc thiểu số"), "count"),
    Measure("households_reached_kinh", gettext_noop("trong đó: hộ dân tộc Kinh"), "count"),
    Measure("disbursed", gettext_noop("Doanh số cho vay trong kỳ")),
    Measure("loans", gettext_noop("Số món còn dư nợ"), "count"),
    Measure("borrowers", gettext_noop("Số hộ còn dư nợ"), "count"),
    Measure("outstanding_principal", gettext_noop("Dư nợ cuối kỳ")),
    Measure("overdue_principal", gettext_noop("Nợ quá hạn cuối kỳ")),
    Measure("overdue_ratio", gettext_noop("Tỷ lệ nợ quá hạn"), "ratio"),
]
KINH = "Kinh"
TITLES = {
    "portfolio": gettext_noop("Báo cáo dư nợ"),
    "flows": gettext_noop("Báo cáo doanh số cho vay, thu nợ"),
    "arrears_ageing": gettext_noop("Báo cáo tuổi nợ quá hạn"),
    "decree_28": gettext_noop("Báo cáo cho vay theo Nghị định 28/2022/NĐ-CP"),
}
