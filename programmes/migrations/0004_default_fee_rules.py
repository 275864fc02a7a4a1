"""Example fee rules (DOMAIN.md §5): shipped so a fresh install computes something, clearly
labelled as examples. They are not VBSP's regulation; the branch replaces them in the admin
with its current internal decision (close these with "hiệu lực đến", add the real ones).
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

# Far enough back to cover every loan the demo data and the tests hold.
EXAMPLE_START = date(2000, 1, 1)
NOTE = (
    "VÍ DỤ (DOMAIN.md §5), không phải quy định của NHCSXH: thay bằng quyết định hiện hành của "
    "chi nhánh trước khi dùng. Giảm một nửa khi nợ quá hạn của tổ vượt 2% dư nợ cuối tháng."
)
RULES = [
    {
        "name": "Ví dụ: hoa hồng tổ trưởng 8% lãi thực thu",
        "payee": "group_leader",
        "rate": Decimal("8"),
    },
    {
        "name": "Ví dụ: phí ủy thác hội 4% lãi thực thu (xã 45, huyện 30, tỉnh 15, TW 10)",
        "payee": "association",
        "rate": Decimal("4"),
        "commune_share": Decimal("45"),
        "district_share": Decimal("30"),
        "province_share": Decimal("15"),
        "central_share": Decimal("10"),
    },
]


def load(apps, schema_editor):
    FeeRule = apps.get_model("programmes", "FeeRule")
    for rule in RULES:
        FeeRule.objects.get_or_create(
            name=rule["name"],
            defaults={
                **rule,
                "base": "interest_collected",
                "overdue_ratio_threshold": Decimal("2"),
                "quality_multiplier": Decimal("0.5"),
                "valid_from": EXAMPLE_START,
                "is_example": True,
                "note": NOTE,
            },
        )


def unload(apps, schema_editor):
    FeeRule = apps.get_model("programmes", "FeeRule")
    FeeRule.objects.filter(is_example=True, name__in=[r["name"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_feerule")]

    operations = [migrations.RunPython(load, unload)]
