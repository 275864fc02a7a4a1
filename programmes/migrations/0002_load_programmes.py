"""Reference data: the programmes of DOMAIN.md §2 and their rates, present in every install.

Rates whose start date is not known are dated 1 Jan 2020 and say so in their note. Relative
rates are stored resolved (e.g. Decree 28 production lines = 50% of the poor rate = 3.3%), with
the rule written in the legal-basis note.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

UNKNOWN_START = date(2020, 1, 1)
UNKNOWN_NOTE = "Ngày bắt đầu hiệu lực chưa xác định; dùng 01/01/2020 theo quy ước DOMAIN.md."
D28 = date(2022, 4, 26)
D28_NOTE = "Nghị định 28/2022/NĐ-CP ngày 26/4/2022."
M = 1_000_000

PROGRAMMES = [
    {
        "code": "HN",
        "name": "Cho vay hộ nghèo",
        "legal_basis": "Nghị định 78/2002/NĐ-CP; mức cho vay tối đa 100 triệu đồng/hộ từ 01/3/2019.",
        "borrower_categories": ["poor"],
        "max_amount": 100 * M,
        "max_term_months": 120,
        "max_grace_months": 12,
        "rates": [("", "6.6", UNKNOWN_START, UNKNOWN_NOTE)],
    },
    {
        "code": "HCN",
        "name": "Cho vay hộ cận nghèo",
        "legal_basis": "Quyết định 15/2013/QĐ-TTg; lãi suất bằng 120% lãi suất cho vay hộ nghèo.",
        "borrower_categories": ["near_poor"],
        "max_amount": 100 * M,
        "max_term_months": 120,
        "max_grace_months": 12,
        "rates": [("", "7.92", UNKNOWN_START, UNKNOWN_NOTE)],
    },
    {
        "code": "HMTN",
        "name": "Cho vay hộ mới thoát nghèo",
        "legal_basis": "Quyết định 28/2015/QĐ-TTg; hộ thoát nghèo không quá 3 năm; "
        "lãi suất bằng 125% lãi suất cho vay hộ nghèo.",
        "borrower_categories": ["newly_escaped"],
        "max_amount": 100 * M,
        "max_term_months": 60,
        "max_grace_months": 12,
        "rates": [("", "8.25", UNKNOWN_START, UNKNOWN_NOTE)],
    },
    {
        "code": "HSSV",
        "name": "Cho vay học sinh, sinh viên",
        "legal_basis": "Quyết định 157/2007/QĐ-TTg, sửa đổi bởi Quyết định 05/2022/QĐ-TTg; "
        "tối đa 4 triệu đồng/tháng học; trả gốc bắt đầu 12 tháng sau khi kết thúc khóa học.",
        "borrower_categories": [],
        "max_amount": None,
        "max_term_months": 180,
        "max_grace_months": 84,
        "rates": [("", "6.6", UNKNOWN_START, UNKNOWN_NOTE)],
    },
    {
        "code": "GQVL",
        "name": "Cho vay giải quyết việc làm",
        "legal_basis": "Nghị định 61/2015/NĐ-CP, sửa đổi bởi Nghị định 74/2019 và 104/2022; "
        "lãi suất bằng lãi suất hộ cận nghèo (7,92%); nhóm ưu tiên 50% (3,96%).",
        "borrower_categories": [],
        "max_amount": 100 * M,
        "max_term_months": 120,
        "max_grace_months": 12,
        "rates": [("", "7.92", UNKNOWN_START, UNKNOWN_NOTE + " Nhóm ưu tiên: 3,96%.")],
        "purposes": [("general", "Người lao động", 100 * M)],
    },
    {
        "code": "NSVSMT",
        "name": "Cho vay nước sạch và vệ sinh môi trường nông thôn",
        "legal_basis": "Quyết định 10/2024/QĐ-TTg, hiệu lực từ 02/9/2024; tối đa 25 triệu đồng "
        "cho mỗi loại công trình.",
        "borrower_categories": [],
        "max_amount": 50 * M,
        "max_term_months": 60,
        "max_grace_months": 12,
        "rates": [("", "9.0", date(2024, 9, 2), "Quyết định 10/2024/QĐ-TTg.")],
        "purposes": [
            ("water", "Công trình nước sạch", 25 * M),
            ("sanitation", "Công trình vệ sinh", 25 * M),
        ],
    },
    {
        "code": "SXKD",
        "name": "Cho vay hộ sản xuất kinh doanh tại vùng khó khăn",
        "legal_basis": "Quyết định 31/2007/QĐ-TTg, sửa đổi bởi Quyết định 17/2023/QĐ-TTg "
        "(từ 08/8/2023).",
        "borrower_categories": [],
        "max_amount": 100 * M,
        "max_term_months": 120,
        "max_grace_months": 12,
        "rates": [("", "9.0", date(2023, 8, 8), "Quyết định 17/2023/QĐ-TTg.")],
    },
    {
        "code": "NOXH",
        "name": "Cho vay nhà ở xã hội",
        "legal_basis": "Luật Nhà ở 2023, Nghị định 100/2024/NĐ-CP; tối đa 80% giá trị hợp đồng "
        "và không quá 1 tỷ đồng; lãi suất bằng lãi suất cho vay hộ nghèo; có tài sản bảo đảm.",
        "borrower_categories": [],
        "max_amount": 1000 * M,
        "max_term_months": 300,
        "max_grace_months": 12,
        "channel": "direct",
        "collateral_required": True,
        "rates": [("", "6.6", UNKNOWN_START, UNKNOWN_NOTE)],
    },
    {
        "code": "ND28-DAT",
        "name": "Nghị định 28: hỗ trợ đất ở",
        "legal_basis": D28_NOTE + " Hộ nghèo dân tộc thiểu số; hộ nghèo dân tộc Kinh ở xã, "
        "thôn đặc biệt khó khăn; có tên trong danh sách được phê duyệt.",
        "borrower_categories": ["poor"],
        "max_amount": 50 * M,
        "max_term_months": 180,
        "grace_months": 60,
        "max_grace_months": 60,
        "is_decree_28": True,
        "requires_approved_list": True,
        "rates": [("", "3.0", D28, D28_NOTE)],
    },
    {
        "code": "ND28-NHA",
        "name": "Nghị định 28: hỗ trợ nhà ở",
        "legal_basis": D28_NOTE + " Đối tượng như dòng vay đất ở.",
        "borrower_categories": ["poor"],
        "max_amount": 40 * M,
        "max_term_months": 180,
        "grace_months": 60,
        "max_grace_months": 60,
        "is_decree_28": True,
        "requires_approved_list": True,
        "rates": [("", "3.0", D28, D28_NOTE)],
    },
    {
        "code": "ND28-SX",
        "name": "Nghị định 28: đất sản xuất / chuyển đổi nghề",
        "legal_basis": D28_NOTE + " Lãi suất bằng 50% lãi suất cho vay hộ nghèo. Mỗi hộ chỉ "
        "được vay một trong hai: hỗ trợ đất sản xuất hoặc chuyển đổi nghề.",
        "borrower_categories": ["poor"],
        "max_amount": 100 * M,
        "max_term_months": 120,
        "max_grace_months": 12,
        "is_decree_28": True,
        "requires_approved_list": True,
        "exclusive_group": "ND28-SX",
        "rates": [("", "3.3", D28, D28_NOTE + " 50% × 6,6%.")],
        "purposes": [
            ("land", "Đất sản xuất", 77_500_000),
            ("job_change", "Chuyển đổi nghề", 100 * M),
        ],
    },
    {
        "code": "ND28-CGT",
        "name": "Nghị định 28: chuỗi giá trị",
        "legal_basis": D28_NOTE + " Hộ nghèo: 50% lãi suất hộ nghèo (3,3%); đối tượng khác "
        "3,96%. Doanh nghiệp, hợp tác xã: tối đa 2 tỷ đồng, 60 tháng, có tài sản bảo đảm.",
        "borrower_categories": [],
        "max_amount": 2000 * M,
        "max_term_months": 120,
        "max_grace_months": 12,
        "is_decree_28": True,
        "rates": [
            ("", "3.96", D28, D28_NOTE + " Đối tượng khác hộ nghèo."),
            ("poor", "3.3", D28, D28_NOTE + " Hộ nghèo: 50% × 6,6%."),
        ],
        "purposes": [
            ("household", "Hộ gia đình", 100 * M),
            ("enterprise", "Doanh nghiệp, hợp tác xã", 2000 * M),
        ],
    },
]


def load(apps, schema_editor):
    Programme = apps.get_model("programmes", "Programme")
    InterestRate = apps.get_model("programmes", "InterestRate")
    LoanPurpose = apps.get_model("programmes", "LoanPurpose")
    for spec in PROGRAMMES:
        spec = dict(spec)
        rates = spec.pop("rates")
        purposes = spec.pop("purposes", [])
        programme, _ = Programme.objects.update_or_create(code=spec.pop("code"), defaults=spec)
        for category, rate, effective_from, note in rates:
            InterestRate.objects.update_or_create(
                programme=programme,
                household_category=category,
                effective_from=effective_from,
                defaults={"annual_rate": Decimal(rate), "note": note},
            )
        for code, name, cap in purposes:
            LoanPurpose.objects.update_or_create(
                programme=programme, code=code, defaults={"name": name, "max_amount": cap}
            )


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
