"""Reading a filled 13/TD workbook (the layout loans/reports/exports.py writes) into the sheet's
grid: each row's contract number finds its line, and the collected columns fill its inputs.
Nothing posts here: the grid shows the figures (a preview, with each bad row's message) and
the officer submits it as any sheet."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core.money import parse_dong

from ..reports.columns import COLLECTION_COLUMNS
from ..reports.exports import COLLECTION_TOP

KEYS = [key for key, _label in COLLECTION_COLUMNS]
CONTRACT = KEYS.index("contract_number")
COLLECTED = {
    "interest": KEYS.index("interest_collected"),
    "principal": KEYS.index("principal_collected"),
    "deposit": KEYS.index("savings_deposited"),
}
MAX_ROWS = 500


def read_sheet(content: bytes, lines: list[dict]) -> tuple[dict, list[str]]:
    """(the grid's initial values, the rows' error messages) from a filled 13/TD."""
    try:
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return {}, [_("Tệp không phải bảng tính Excel (.xlsx) 13/TD.")]
    rows = book.active.iter_rows(
        min_row=COLLECTION_TOP + 2, max_row=COLLECTION_TOP + 2 + MAX_ROWS, values_only=True
    )
    by_contract = {line["contract_number"]: index for index, line in enumerate(lines)}
    initial, errors, deposits = {}, [], {}
    for number, row in enumerate(rows, start=COLLECTION_TOP + 2):
        contract = row[CONTRACT] if len(row) > CONTRACT else None
        if not contract:
            continue
        index = by_contract.get(str(contract).strip())
        if index is None:
            errors.append(
                _("Dòng %(n)s: khế ước %(c)s không có trong bảng kê của tổ.")
                % {"n": number, "c": contract}
            )
            continue
        amounts = _amounts(row, number, errors)
        initial[f"l{index}-interest"] = amounts.get("interest")
        initial[f"l{index}-principal"] = amounts.get("principal")
        member = lines[index]["member"]
        deposits[member] = deposits.get(member, 0) + (amounts.get("deposit") or 0)
    initial.update({f"s{member}-deposit": amount or None for member, amount in deposits.items()})
    return initial, errors


def _amounts(row, number: int, errors: list[str]) -> dict[str, int | None]:
    amounts = {}
    for name, column in COLLECTED.items():
        value = row[column] if len(row) > column else None
        if value in (None, ""):
            amounts[name] = None
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # Excel keeps numbers as floats
        try:
            amount = value if isinstance(value, int) else parse_dong(str(value))
        except ValueError:
            amount = -1
        if isinstance(amount, bool) or amount < 0:
            errors.append(
                _("Dòng %(n)s: số tiền không hợp lệ (%(v)s).") % {"n": number, "v": value}
            )
            amount = None
        amounts[name] = amount
    return amounts
