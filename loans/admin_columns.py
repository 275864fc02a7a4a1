"""The loan list's columns and filters from the last nightly snapshot: position status,
outstanding, overdue, days past due and ageing bucket, with Vietnamese words for each status.

One LEFT JOIN on the snapshot of the last completed day (unique per day and loan), so the list
stays one query whatever its size; the filters narrow that join, never loop over loans.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import format_dong

from .models import PositionSnapshot
from .selectors import instalments_due_between, last_snapshot_day

POSITION_STATUS = {
    "not_disbursed": _("Chưa giải ngân"),
    "current": _("Trong hạn"),
    "overdue": _("Quá hạn"),
    "frozen": _("Khoanh nợ"),
    "closed": _("Đã tất toán"),
    "written_off": _("Đã xóa nợ"),
}
# Positions the nightly job never writes (nothing owed at the end of the day).
NOT_LISTED = ("not_disbursed", "closed", "written_off")
SNAPSHOT_COLUMNS = {
    "last_status": "status",
    "last_outstanding": "outstanding_principal",
    "last_overdue": "overdue_principal",
    "last_days_past_due": "days_past_due",
    "last_bucket": "bucket",
}


def bucket_labels() -> list[str]:
    """The ageing buckets as the engine labels them: current, 1-30, ..., >360."""
    bounds = list(settings.AGEING_BUCKET_BOUNDS)
    lows = [0, *bounds[:-1]]
    ranges = [f"{lo + 1}-{hi}" for lo, hi in zip(lows, bounds, strict=True)]
    return ["current", *ranges, f">{bounds[-1]}"]


def bucket_words(label: str | None) -> str:
    """'31-90' -> 'Quá hạn 31–90 ngày' (the ageing report's words)."""
    if not label:
        return ""
    if label == "current":
        return str(POSITION_STATUS["current"])
    if label.startswith(">"):
        return _("Quá hạn trên %(days)s ngày") % {"days": label[1:]}
    return _("Quá hạn %(days)s ngày") % {"days": label.replace("-", "–")}


def with_last_position(queryset):
    """Loans with their position columns from the last complete snapshot (None without one)."""
    as_of = last_snapshot_day()
    if as_of is None:
        return queryset.annotate(
            **{
                name: Value(None, output_field=PositionSnapshot._meta.get_field(field))
                for name, field in SNAPSHOT_COLUMNS.items()
            }
        )
    joined = queryset.annotate(
        last_position=FilteredRelation("snapshots", condition=Q(snapshots__as_of=as_of))
    )
    return joined.annotate(
        **{name: F(f"last_position__{field}") for name, field in SNAPSHOT_COLUMNS.items()}
    )


class PositionFilter(admin.SimpleListFilter):
    title = _("tình trạng nợ (số liệu cuối ngày)")
    parameter_name = "position"

    def lookups(self, request, model_admin):
        return [
            ("owing", _("Còn dư nợ")),
            ("current", POSITION_STATUS["current"]),
            ("overdue", POSITION_STATUS["overdue"]),
            ("frozen", POSITION_STATUS["frozen"]),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "owing":
            return queryset.filter(last_status__isnull=False)
        if value == "overdue":
            return queryset.filter(last_overdue__gt=0)
        if value in ("current", "frozen"):
            return queryset.filter(last_status=value)
        return queryset


class BucketFilter(admin.SimpleListFilter):
    title = _("nhóm tuổi nợ")
    parameter_name = "bucket"

    def lookups(self, request, model_admin):
        return [(label, bucket_words(label)) for label in bucket_labels()]

    def queryset(self, request, queryset):
        if self.value() in bucket_labels():
            return queryset.filter(last_bucket=self.value())
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = _("đến hạn trả gốc")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("week", _("Trong tuần này")), ("month", _("Trong 30 ngày tới"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "week":
            start = today - timedelta(days=today.weekday())
            end = start + timedelta(days=6)
        elif self.value() == "month":
            start, end = today, today + timedelta(days=30)
        else:
            return queryset
        due = instalments_due_between(start, end).filter(loan=OuterRef("pk"))
        return queryset.filter(Exists(due))


class LastPositionColumns:
    """The loan list's columns from the last snapshot (mixed into LoanAdmin)."""

    position_columns = [
        "last_status_display",
        "last_outstanding_display",
        "last_overdue_display",
        "last_days_past_due_display",
        "last_bucket_display",
    ]
    position_filters = [PositionFilter, BucketFilter, DueFilter]

    @admin.display(description=_("tình trạng nợ"), ordering="last_status")
    def last_status_display(self, obj) -> str:
        return str(POSITION_STATUS.get(obj.last_status, obj.last_status or "–"))

    @admin.display(description=_("dư nợ cuối ngày"), ordering="last_outstanding")
    def last_outstanding_display(self, obj) -> str:
        return format_dong(obj.last_outstanding)

    @admin.display(description=_("nợ quá hạn"), ordering="last_overdue")
    def last_overdue_display(self, obj) -> str:
        return format_dong(obj.last_overdue)

    @admin.display(description=_("số ngày quá hạn"), ordering="last_days_past_due")
    def last_days_past_due_display(self, obj) -> str:
        return "–" if obj.last_days_past_due is None else str(obj.last_days_past_due)

    @admin.display(description=_("nhóm tuổi nợ"), ordering="last_bucket")
    def last_bucket_display(self, obj) -> str:
        return bucket_words(obj.last_bucket)


class SnapshotStatusFilter(admin.SimpleListFilter):
    """The end-of-day list's status filter, in words."""

    title = _("tình trạng nợ")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label in POSITION_STATUS.items() if key not in NOT_LISTED]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() in POSITION_STATUS else queryset


class SnapshotBucketFilter(admin.SimpleListFilter):
    """The end-of-day list's bucket filter, in words."""

    title = _("nhóm tuổi nợ")
    parameter_name = "bucket"

    def lookups(self, request, model_admin):
        return [(label, bucket_words(label)) for label in bucket_labels()]

    def queryset(self, request, queryset):
        return queryset.filter(bucket=self.value()) if self.value() in bucket_labels() else queryset


class SnapshotWords:
    """The end-of-day list's status and bucket in words (mixed into PositionSnapshotAdmin)."""

    @admin.display(description=_("tình trạng nợ"), ordering="status")
    def status_display(self, obj) -> str:
        return str(POSITION_STATUS.get(obj.status, obj.status))

    @admin.display(description=_("nhóm tuổi nợ"), ordering="bucket")
    def bucket_display(self, obj) -> str:
        return bucket_words(obj.bucket)
