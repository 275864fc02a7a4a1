"""A run's counts in words: a Vietnamese label per key, amounts as 1.234.567 ₫, counts grouped
by thousands (the job page and its live progress show these, never the raw keys)."""

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.money import format_dong, group_digits

from .models import JobRun
from .selectors import RunView

COUNT, MONEY, SECONDS = "count", "money", "seconds"
LABELS = {
    "loans": (_("Số khoản vay"), COUNT),
    "overdue_loans": (_("Số khoản vay quá hạn"), COUNT),
    "outstanding_principal": (_("Dư nợ"), MONEY),
    "overdue_principal": (_("Nợ quá hạn"), MONEY),
    "interest_arrears": (_("Lãi tồn đọng"), MONEY),
    "overdue_transfers": (_("Số kỳ chuyển nợ quá hạn"), COUNT),
    "pruned_snapshots": (_("Số dòng số liệu cũ đã xóa"), COUNT),
    "groups": (_("Số tổ TK&VV"), COUNT),
    "fees": (_("Số khoản hoa hồng, phí ủy thác"), COUNT),
    "discrepancies": (_("Số chênh lệch"), COUNT),
    "discrepant_loans": (_("Số khoản vay có chênh lệch"), COUNT),
    "closing_outstanding": (_("Dư nợ cuối tháng"), MONEY),
    "interest_collected": (_("Lãi đã thu"), MONEY),
    "leader_commission": (_("Hoa hồng tổ trưởng"), MONEY),
    "association_fee": (_("Phí ủy thác hội đoàn thể"), MONEY),
    "seconds": (_("Thời gian chạy (giây)"), SECONDS),
}
FINISHED = (JobRun.Status.DONE, JobRun.Status.FAILED, JobRun.Status.STALLED)


def shown(value, kind: str) -> str:
    if kind == MONEY:
        return format_dong(int(value))
    if kind == SECONDS:
        return number_format(value, decimal_pos=1)
    return group_digits(int(value))


def result_lines(counts: dict) -> list[tuple[str, str]]:
    """(label, value) per count, in LABELS' order, then any key it does not know."""
    known = [
        (str(label), shown(counts[key], kind))
        for key, (label, kind) in LABELS.items()
        if key in counts
    ]
    others = [
        (key.replace("_", " "), group_digits(int(value)))
        for key, value in counts.items()
        if key not in LABELS and isinstance(value, int)
    ]
    return known + others


def progress_json(run: JobRun, view: RunView) -> dict:
    """What the job page polls: the state in words, the progress and, once done, the result."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": str(run.get_status_display()),
        "progress": view.progress,
        "parts_done": view.parts_done,
        "parts_total": view.parts_total,
        "finished": run.status in FINISHED,
        "result": [{"label": label, "value": value} for label, value in result_lines(view.counts)],
        "error": view.error,
    }
