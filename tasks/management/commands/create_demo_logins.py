"""Demo logins: the superuser, an officer of Văn Quan and of Bắc Sơn, a province analyst, and
Văn Quan's controller and office director (the four-eyes checkers), each in its role's group."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from borrowers.models import Branch, StaffProfile, TransactionOffice
from borrowers.reference_data import BRANCH
from loans.approvals.roles import ROLE_BY_KEY

# (username, first name, office code or None for the branch level, role in loans/approvals/roles.py)
STAFF = [
    ("canbo.vanquan", "Cán bộ PGD Văn Quan", "VQU", "officer"),
    ("canbo.bacson", "Cán bộ PGD Bắc Sơn", "BSO", "officer"),
    ("phantich.tinh", "Phân tích chi nhánh tỉnh", None, "analyst"),
    ("kiemsoat.vanquan", "Kiểm soát viên PGD Văn Quan", "VQU", "controller"),
    ("giamdoc.vanquan", "Giám đốc PGD Văn Quan", "VQU", "director"),
]


def demo_password() -> str:
    """DEMO_PASSWORD if set (and strong enough for the password rules), else a new random one:
    a published demo password would be a login to every demo left running on a network."""
    password = os.environ.get("DEMO_PASSWORD")
    if not password:
        return secrets.token_urlsafe(12)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise CommandError(f"DEMO_PASSWORD: {' '.join(exc.messages)}") from exc
    return password


class Command(BaseCommand):
    help = (
        "Tạo (hoặc đặt lại mật khẩu) các tài khoản mẫu: admin, cán bộ PGD Văn Quan, Bắc Sơn, "
        "cán bộ phân tích cấp tỉnh, kiểm soát viên và giám đốc PGD Văn Quan. Mật khẩu lấy từ "
        "biến môi trường DEMO_PASSWORD, nếu không có thì sinh ngẫu nhiên mỗi lần chạy và in ra."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = demo_password()
        branch = Branch.objects.filter(code=BRANCH["code"]).first()
        if branch is None:
            raise CommandError("Chưa có dữ liệu chi nhánh: chạy `manage.py seed_demo` trước.")
        self._login("admin", password, first_name="Quản trị", superuser=True)
        self.stdout.write(f"  user: admin  password: {password}  (quản trị)")
        for username, first_name, office_code, role in STAFF:
            office = self._office(office_code)
            user = self._login(username, password, first_name=first_name)
            StaffProfile.objects.update_or_create(
                user=user, defaults={"branch": branch, "office": office}
            )
            # A role's permissions come from its group (the data migration's), nothing direct.
            user.user_permissions.clear()
            user.groups.set(Group.objects.filter(name=ROLE_BY_KEY[role].name))
            where = office.name if office else branch.name
            role_name = ROLE_BY_KEY[role].name
            self.stdout.write(f"  user: {username}  password: {password}  ({role_name}, {where})")

    def _office(self, code: str | None) -> TransactionOffice | None:
        if code is None:
            return None
        office = TransactionOffice.objects.filter(code=code).first()
        if office is None:
            raise CommandError(f"Không có phòng giao dịch {code}: chạy `manage.py seed_demo`.")
        return office

    def _login(self, username: str, password: str, *, first_name: str, superuser=False):
        user, _created = get_user_model().objects.get_or_create(username=username)
        user.first_name = first_name
        user.is_active = user.is_staff = True
        user.is_superuser = superuser
        user.set_password(password)
        user.save()
        return user
