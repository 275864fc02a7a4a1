"""An example members' savings rate (DOMAIN.md §7), shipped so a fresh install credits some
interest, clearly labelled as an example: the branch enters its own rate in the admin."""

from datetime import date
from decimal import Decimal

from django.db import migrations

EXAMPLE_START = date(2000, 1, 1)
NOTE = (
    "VÍ DỤ (DOMAIN.md §7), không phải quy định của NHCSXH: thay bằng lãi suất tiền gửi hiện "
    "hành của chi nhánh trước khi dùng."
)


def load(apps, schema_editor):
    SavingsRate = apps.get_model("programmes", "SavingsRate")
    SavingsRate.objects.get_or_create(
        effective_from=EXAMPLE_START,
        defaults={"rate": Decimal("0.50"), "is_example": True, "note": NOTE},
    )


def unload(apps, schema_editor):
    apps.get_model("programmes", "SavingsRate").objects.filter(
        effective_from=EXAMPLE_START, is_example=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0006_savingsrate")]

    operations = [migrations.RunPython(load, unload)]
