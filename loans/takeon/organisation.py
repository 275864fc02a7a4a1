"""The organisation imported on its own (nhập mạng lưới): offices, commune transaction points,
commune associations and savings groups, from one workbook (or a zip of CSV files) with the
take-on's preview: a dry run, every row error (sheet, row, column, message in Vietnamese),
all or nothing. Keyed by code (an association by its kind at its transaction point): what
exists already is skipped, so the same file imported twice adds nothing twice."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from borrowers.models import Association, Branch, SavingsGroup, TransactionOffice, TransactionPoint

from .parsing import Cells, Errors
from .workbook import Sheet, WorkbookError, read_tables

SHEETS: dict[str, tuple[str, ...]] = {
    "offices": ("code", "name", "former_district"),
    "transaction_points": ("code", "name", "office", "session_day"),
    "associations": ("transaction_point", "kind", "name"),
    "savings_groups": (
        "code", "name", "transaction_point", "association", "village", "leader", "leader_phone",
    ),
}  # fmt: skip
OPTIONAL = {"former_district", "leader_phone"}
EXAMPLE = {
    "offices": ["VQU", "PGD NHCSXH huyện Văn Quan", "Văn Quan"],
    "transaction_points": ["VQU-01", "Điểm giao dịch xã Tân Đoàn", "VQU", 21],
    "associations": ["VQU-01", "farmers", "Hội Nông dân xã Tân Đoàn"],
    "savings_groups": [
        "T00001", "Tổ TK&VV thôn Nà Lầu", "VQU-01", "farmers", "Thôn Nà Lầu", "Hoàng Văn A", "",
    ],
}  # fmt: skip
KINDS = {k.value for k in Association.Kind}


@dataclass
class OrganisationReport:
    """New rows per sheet (what a real run adds), every row error, whether it was posted."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    posted: bool = False

    def as_dict(self) -> dict:
        return {**self.counts, "posted": self.posted, "errors": self.errors}


@dataclass
class _Plan:
    offices: dict[str, dict] = field(default_factory=dict)
    points: dict[str, dict] = field(default_factory=dict)
    associations: dict[tuple[str, str], dict] = field(default_factory=dict)
    groups: dict[str, dict] = field(default_factory=dict)
    errors: Errors = field(default_factory=Errors)


def import_organisation(data: bytes, *, dry_run: bool) -> OrganisationReport:
    """Check the file and, unless a dry run or any row is wrong, add what is new, whole."""
    try:
        sheets = read_tables(data, SHEETS)
    except (WorkbookError, ValueError, KeyError, OSError):
        message = _("Tệp không đọc được: cần tệp Excel (.xlsx) hoặc tệp zip các tệp CSV.")
        return OrganisationReport(
            errors=[{"sheet": "", "row": 0, "column": "", "message": message}]
        )
    plan = _check(sheets)
    report = OrganisationReport(
        counts={
            "offices": len(plan.offices),
            "transaction_points": len(plan.points),
            "associations": len(plan.associations),
            "savings_groups": len(plan.groups),
        },
        errors=plan.errors.items,
    )
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        _post(plan)
    report.posted = True
    return report


def _check(sheets: dict[str, Sheet]) -> _Plan:
    plan = _Plan()
    for name, columns in SHEETS.items():
        missing = [c for c in columns if sheets[name].columns and c not in sheets[name].columns]
        for column in missing:
            if column not in OPTIONAL:
                plan.errors.add(name, 1, column, _("Thiếu cột bắt buộc."))
    if not plan.errors:
        _offices(sheets["offices"], plan)
        _points(sheets["transaction_points"], plan)
        _associations(sheets["associations"], plan)
        _groups(sheets["savings_groups"], plan)
    return plan


def _new_code(cells: Cells, known: set[str], seen: dict, max_length: int) -> str | None:
    code = cells.text("code")
    if code is not None and len(code) > max_length:
        cells.fail("code", _("Mã dài quá %(n)s ký tự.") % {"n": max_length})
        return None
    if code in seen:
        cells.fail("code", _("Mã trùng với một dòng trước trong tệp."))
        return None
    return None if code is None or code in known else code


def _offices(sheet: Sheet, plan: _Plan) -> None:
    known = set(TransactionOffice.objects.values_list("code", flat=True))
    branch = Branch.objects.order_by("pk").first()
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, plan.errors)
        before = len(plan.errors.items)
        code = _new_code(cells, known, plan.offices, 10)
        name = cells.text("name")
        if branch is None:
            cells.fail("code", _("Chưa có chi nhánh: tạo chi nhánh trước."))
        if code and len(plan.errors.items) == before:
            district = cells.text("former_district", required=False) or ""
            plan.offices[code] = {"code": code, "name": name, "former_district": district}
            plan.offices[code]["branch"] = branch


def _points(sheet: Sheet, plan: _Plan) -> None:
    known = set(TransactionPoint.objects.values_list("code", flat=True))
    offices = set(TransactionOffice.objects.values_list("code", flat=True)) | set(plan.offices)
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, plan.errors)
        before = len(plan.errors.items)
        code = _new_code(cells, known, plan.points, 20)
        name, office = cells.text("name"), cells.text("office")
        day = cells.integer("session_day", 1, 31)
        if office is not None and office not in offices:
            cells.fail("office", _("Không có phòng giao dịch mã %(code)s.") % {"code": office})
        if code and len(plan.errors.items) == before:
            plan.points[code] = {"code": code, "name": name, "office": office, "session_day": day}


def _known_associations() -> set[tuple[str, str]]:
    rows = Association.objects.filter(level=Association.Level.COMMUNE).exclude(
        transaction_point=None
    )
    return set(rows.values_list("transaction_point__code", "kind"))


def _associations(sheet: Sheet, plan: _Plan) -> None:
    known = _known_associations()
    points = set(TransactionPoint.objects.values_list("code", flat=True)) | set(plan.points)
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, plan.errors)
        before = len(plan.errors.items)
        point, name = _point_and_kind(cells, points, "kind"), cells.text("name")
        kind = cells.raw("kind").lower()
        if (point, kind) in plan.associations:
            cells.fail("kind", _("Hội này ở điểm giao dịch này trùng với một dòng trước."))
        if point is not None and len(plan.errors.items) == before and (point, kind) not in known:
            plan.associations[(point, kind)] = {"point": point, "kind": kind, "name": name}


def _point_and_kind(cells: Cells, points: set[str], column: str) -> str | None:
    point, kind = cells.text("transaction_point"), cells.text(column)
    if point is not None and point not in points:
        cells.fail("transaction_point", _("Không có điểm giao dịch mã %(code)s.") % {"code": point})
    if kind is not None and kind.lower() not in KINDS:
        cells.fail(column, _("Hội phải là một trong: %(kinds)s.") % {"kinds": ", ".join(KINDS)})
    return point


def _groups(sheet: Sheet, plan: _Plan) -> None:
    known = set(SavingsGroup.objects.values_list("code", flat=True))
    points = set(TransactionPoint.objects.values_list("code", flat=True)) | set(plan.points)
    associations = _known_associations() | set(plan.associations)
    for number, values in sheet.rows:
        cells = Cells(sheet.name, number, values, plan.errors)
        before = len(plan.errors.items)
        code = _new_code(cells, known, plan.groups, 30)
        point = _point_and_kind(cells, points, "association")
        kind = cells.raw("association").lower()
        record = {c: cells.text(c) for c in ("name", "village", "leader")}
        record["leader_phone"] = cells.text("leader_phone", required=False) or ""
        if point in points and kind in KINDS and (point, kind) not in associations:
            cells.fail("association", _("Điểm giao dịch này chưa có hội này (sheet associations)."))
        if code and len(plan.errors.items) == before:
            plan.groups[code] = {**record, "code": code, "point": point, "kind": kind}


def _post(plan: _Plan) -> None:
    TransactionOffice.objects.bulk_create(TransactionOffice(**r) for r in plan.offices.values())
    offices = dict(TransactionOffice.objects.values_list("code", "id"))
    TransactionPoint.objects.bulk_create(
        TransactionPoint(
            code=r["code"], name=r["name"], office_id=offices[r["office"]],
            session_day=r["session_day"],
        )
        for r in plan.points.values()
    )  # fmt: skip
    points = dict(TransactionPoint.objects.values_list("code", "id"))
    office_of = dict(TransactionPoint.objects.values_list("code", "office_id"))
    Association.objects.bulk_create(
        Association(
            kind=r["kind"], level=Association.Level.COMMUNE, name=r["name"],
            office_id=office_of[r["point"]], transaction_point_id=points[r["point"]],
        )
        for r in plan.associations.values()
    )  # fmt: skip
    rows = Association.objects.filter(level=Association.Level.COMMUNE).exclude(
        transaction_point=None
    )
    associations = {
        (p, k): i for p, k, i in rows.values_list("transaction_point__code", "kind", "id")
    }
    groups = [
        SavingsGroup(
            code=r["code"], name=r["name"], village=r["village"], leader=r["leader"],
            leader_phone=r["leader_phone"], transaction_point_id=points[r["point"]],
            association_id=associations[(r["point"], r["kind"])],
        )
        for r in plan.groups.values()
    ]  # fmt: skip
    bulk_create_with_history(groups, SavingsGroup, batch_size=5000)
