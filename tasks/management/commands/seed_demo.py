"""Load the Lạng Sơn demo: the organisation, a generated book, and households whose loans go
through the services (tasks/synthetic/demo/book.py has the steps)."""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Sum

from borrowers.models import (
    Association,
    Borrower,
    SavingsGroup,
    TransactionOffice,
    TransactionPoint,
)
from core.money import format_dong
from loans.models import Loan, LoanTransaction
from tasks.progress import progress
from tasks.synthetic import demo
from tasks.synthetic.demo.book import STEPS, DemoBook


class Command(BaseCommand):
    help = (
        "Dữ liệu mẫu chi nhánh Lạng Sơn: phòng giao dịch, điểm giao dịch, hội đoàn thể, "
        "tổ TK&VV và các hộ vay: phần lớn sinh hàng loạt, 40 hộ đầu với giải ngân, thu nợ, "
        "hủy bút toán, gia hạn, khoanh nợ ghi qua nghiệp vụ. Chạy lại không tạo trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--borrowers",
            type=int,
            default=demo.DEFAULT_BORROWERS,
            help="Số hộ vay (mặc định 2000; 0 = chỉ tổ chức, không có hộ vay).",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Hạt giống ngẫu nhiên (2026)."
        )
        parser.add_argument(
            "--monthly-months",
            type=int,
            default=demo.DEFAULT_MONTHLY_MONTHS,
            help="Số tháng gần nhất 40 hộ đầu nộp lãi hằng tháng (trước đó nộp gộp theo năm).",
        )

    def handle(self, *args, borrowers: int, seed: int, monthly_months: int, **options) -> None:
        started = time.monotonic()
        book = DemoBook(
            borrowers=max(0, borrowers), seed=seed, monthly_months=max(1, monthly_months)
        )
        for label, step in STEPS:
            with progress(self.stdout, label) as advance:
                line = step(book, advance)
            self.stdout.write(f"{line} ({time.monotonic() - started:.1f}s)")
        self.stdout.write(f"Hộ vay mới: {book.created} ({time.monotonic() - started:.1f}s)")
        self._summary()

    def _summary(self) -> None:
        outstanding = Loan.objects.aggregate(total=Sum("outstanding_principal"))["total"] or 0
        rows = [
            ("Phòng giao dịch", TransactionOffice.objects.count()),
            ("Điểm giao dịch", TransactionPoint.objects.count()),
            ("Hội đoàn thể", Association.objects.count()),
            ("Tổ TK&VV", SavingsGroup.objects.count()),
            ("Hộ vay", Borrower.objects.count()),
            ("Khoản vay", Loan.objects.count()),
            ("Bút toán", LoanTransaction.objects.count()),
        ]
        for label, count in rows:
            self.stdout.write(f"{label:<16} {count:>8,}".replace(",", "."))
        self.stdout.write(self.style.SUCCESS(f"{'Dư nợ':<16} {format_dong(outstanding)}"))
