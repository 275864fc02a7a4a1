"""How a household, a group or a point is named in a picker: by its code (a household by its
citizen ID), with its village and point, so that two groups of one village can be told apart."""

from .models import Borrower, SavingsGroup, TransactionPoint

# What a picker's queryset must join to write these labels without one query per choice.
PICKER_RELATED = {Borrower: ["transaction_point"], SavingsGroup: ["transaction_point"]}


def picker_label(obj) -> str:
    """'001086012345 – Nguyễn Văn A – thôn Còn Chuông – Điểm GD xã Tri Lễ' for a household,
    'VQU-TL-03 – Tổ bà Hoa – thôn Còn Chuông – Điểm GD xã Tri Lễ' for a group."""
    if isinstance(obj, Borrower):
        return f"{obj.national_id} – {obj.full_name} – {obj.village} – {obj.transaction_point}"
    if isinstance(obj, SavingsGroup):
        return f"{obj.code} – {obj.name} – {obj.village} – {obj.transaction_point}"
    if isinstance(obj, TransactionPoint):
        return f"{obj.code} – {obj.name}"
    return str(obj)
