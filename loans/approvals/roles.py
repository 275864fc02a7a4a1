"""The roles, in one place: each role's Django permissions, and from them what it may do alone,
with a second person (four eyes) or not at all. The data migration makes the groups from
`ROLES`, the README's access table is written from `access_table()` (manage.py access_table),
and the access-matrix test checks every role against every operation from the same table.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DECIDE_PERMISSION = "approvals.decide_approvalrequest"
# The loan operations (POST /api/v1/loans/{id}/<name>/ and the admin's loan page), with the
# permission each needs; whether a second person must approve is `four_eyes_operations()`.
OPERATION_PERMISSIONS = {
    "disbursements": "loans.add_loantransaction",
    "repayments": "loans.add_loantransaction",
    "reversals": "loans.add_loantransaction",
    "write-offs": "loans.add_loantransaction",
    "freezes": "loans.add_loantransaction",
    "unfreezes": "loans.add_loantransaction",
    "extensions": "loans.add_loantransaction",
    "schedule-adjustments": "loans.add_loantransaction",
}
# Changes of the fee and rate rules (the admin's rule pages, POST /savings-rates/), with the
# permission each needs; only branch-level roles change rules (programmes.rule_changes).
RULE_PERMISSIONS = {
    "fee-rules": "programmes.change_feerule",
    "interest-rates": "programmes.change_interestrate",
    "savings-rates": "programmes.add_savingsrate",
}
RULE_LABELS = {
    "fee-rules": "fee rules (admin: add, change)",
    "interest-rates": "programme interest rates (admin: the programme's rates)",
    "savings-rates": "savings rates (POST /savings-rates/, admin: add, change)",
}
# Operations of the apps beside the loans, held through core.four_eyes, with the permission
# each needs and its row's label: a member's savings reversal (the journal's "Hủy bút toán").
HELD_OPERATIONS = {
    "savings-reversals": (
        "POST /borrowers/{id}/savings/reversals/, admin: savings entry, Hủy bút toán",
        "savings.add_savingstransaction",
    ),
}
# The other writes of the table: approval of a loan, an application's decision, a checker's.
OTHER_WRITES = {
    "loan approval (POST /loans/)": "loans.add_loan",
    "application decision (POST /applications/{id}/decide/)": "origination.decide_loanapplication",
    "approval decision (POST /approvals/{id}/approve/)": "approvals.decide_approvalrequest",
    "jobs (POST /jobs/)": "tasks.add_jobrun",
}
# The admin's write actions, each checked through the admin by the access-matrix test: the loan
# page's postings (loans/forms.py POSTING_FORMS) by their API names; the loan page offers them
# to those who may change loans.
ADMIN_POSTINGS = {
    "disburse": "disbursements",
    "repay": "repayments",
    "reverse": "reversals",
    "extend": "extensions",
    "freeze": "freezes",
    "unfreeze": "unfreezes",
    "write_off": "write-offs",
}
ADMIN_POSTING_PERMISSION = "loans.change_loan"
# The admin's other writes, with the permission each needs: done alone, or (a risk dossier)
# always a request for a second person.
ADMIN_WRITES = {
    "loan-approval": ("admin: approve a loan (Khoản vay → Thêm)", "loans.add_loan"),
    "application": ("admin: application 01/TD (Thêm)", "origination.add_loanapplication"),
    "application-step": (
        "admin: application's vote 10/TD, certification 03/TD",
        "origination.change_loanapplication",
    ),
    "application-decision": (
        "admin: application's decision",
        "origination.decide_loanapplication",
    ),
    "request-decision": ("admin: approve or reject a request (Chờ duyệt)", DECIDE_PERMISSION),
}
# The admin's writes a rule narrows beyond the permission: (label, permission, limit), limit
# None (the permission is enough), "branch" (branch-level roles only: an office role's job
# page offers its own office only) or "never" (refused to every role, and offered nowhere).
ADMIN_LIMITED: dict[str, tuple[str, str, str | None]] = {
    "job-own-office": (
        "admin: start a job for one office (Tác vụ → Chạy tính nợ quá hạn; office roles: own)",
        "tasks.add_jobrun",
        None,
    ),
    "job-branch-wide": (
        "admin: start a branch-wide job (Tác vụ → Chạy tính nợ quá hạn, Toàn chi nhánh)",
        "tasks.add_jobrun",
        "branch",
    ),
    "household-delete": (
        "admin: delete a household never in business (entered by mistake)",
        "borrowers.delete_borrower",
        None,
    ),
    "household-delete-in-business": (
        "admin: delete a household that ever had an application, a loan or savings",
        "borrowers.delete_borrower",
        "never",
    ),
}
ADMIN_REQUESTS = {
    "risk-dossier": ("admin: risk dossier (Thêm)", "loans.add_loantransaction"),
}
DEFAULT_FOUR_EYES = [
    "reversals",
    "write-offs",
    "freezes",
    "extensions",
    "schedule-adjustments",
    "disbursements",  # only above FOUR_EYES_DISBURSEMENT_THRESHOLD
    *HELD_OPERATIONS,  # a member's savings reversal
    *RULE_PERMISSIONS,  # changes of the fee and rate rules
]
BYPASS = "approvals.bypass_four_eyes"
DECIDE = DECIDE_PERMISSION

_VIEW = ["borrowers.view_*", "loans.view_*", "origination.view_*", "reconciliation.view_*"]
_VIEW += ["reports.view_*", "tasks.view_*", "programmes.view_*", "approvals.view_*"]
_VIEW += ["savings.view_*", "point_sessions.view_*"]
_RECORD = ["borrowers.add_borrower", "borrowers.change_borrower", "borrowers.delete_borrower"]
_RECORD += ["borrowers.add_savingsgroup", "borrowers.change_savingsgroup"]
_RECORD += ["loans.add_loantransaction", "loans.change_loan", "tasks.add_jobrun"]
_RECORD += ["origination.add_loanapplication", "origination.change_loanapplication"]
_RECORD += ["approvals.add_approvalrequest"]
# The session day: open and close a point's session, post its sheets, disbursement list and
# fee payment; members' deposits and withdrawals.
_RECORD += [
    "point_sessions.add_*",
    "point_sessions.change_session",
    "savings.add_savingstransaction",
]


@dataclass(frozen=True)
class Role:
    """A Django group: its Vietnamese name, whether it sees every office, its permissions."""

    key: str
    name: str
    branch_level: bool
    permissions: tuple[str, ...]  # "app_label.codename"; "app_label.*" or "app.view_*" patterns


ROLES = [
    Role("officer", "Cán bộ tín dụng", False, (*_VIEW, *_RECORD)),
    Role("controller", "Kiểm soát viên", False, (*_VIEW, DECIDE)),
    Role(
        "director",
        "Giám đốc phòng giao dịch",
        False,
        (*_VIEW, *_RECORD, DECIDE, "loans.add_loan", "origination.decide_loanapplication"),
    ),
    Role(
        "branch",
        "Chi nhánh",
        True,
        (
            "borrowers.*",
            "loans.*",
            "origination.*",
            "reconciliation.*",
            "reports.*",
            "tasks.*",
            "programmes.*",
            "savings.*",
            "point_sessions.*",
            "takeon.*",
            "approvals.add_approvalrequest",
            "approvals.view_*",
            DECIDE,
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
        ),
    ),
    Role("analyst", "Phân tích cấp tỉnh", True, tuple(_VIEW)),
    Role("administrator", "Quản trị hệ thống", True, ("*",)),
]
ROLE_BY_KEY = {role.key: role for role in ROLES}
VERBOSE = {  # gettext for the names shown in the interface (the groups keep the Vietnamese)
    "officer": _("Cán bộ tín dụng"),
    "controller": _("Kiểm soát viên"),
    "director": _("Giám đốc phòng giao dịch"),
    "branch": _("Chi nhánh"),
    "analyst": _("Phân tích cấp tỉnh"),
    "administrator": _("Quản trị hệ thống"),
}


def four_eyes_operations() -> list[str]:
    return list(getattr(settings, "FOUR_EYES_OPERATIONS", DEFAULT_FOUR_EYES))


def disbursement_threshold() -> int:
    """Disbursements above this many đồng need a second person (a branch setting)."""
    return int(getattr(settings, "FOUR_EYES_DISBURSEMENT_THRESHOLD", 100_000_000))


def matches(pattern: str, perm: str) -> bool:
    if pattern == "*":
        return True
    app, _dot, code = pattern.partition(".")
    perm_app, _dot, perm_code = perm.partition(".")
    if app != perm_app:
        return False
    if code.endswith("*"):
        return perm_code.startswith(code[:-1])
    return code == perm_code


def role_has(role: Role, perm: str) -> bool:
    return any(matches(pattern, perm) for pattern in role.permissions)


def role_may(role: Role, operation: str) -> str:
    """ "alone", "four eyes" (202, a second person approves) or "refused", for an operation of
    the table (a disbursement: above the threshold)."""
    if operation in RULE_PERMISSIONS:
        if not (role.branch_level and role_has(role, RULE_PERMISSIONS[operation])):
            return "refused"
    elif operation in HELD_OPERATIONS:
        if not role_has(role, HELD_OPERATIONS[operation][1]):
            return "refused"
    elif not role_has(role, OPERATION_PERMISSIONS[operation]):
        return "refused"
    if operation in four_eyes_operations() and not role_has(role, BYPASS):
        return "four eyes"
    return "alone"


def role_writes(role: Role, write: str) -> str:
    return "alone" if role_has(role, OTHER_WRITES[write]) else "refused"


def admin_may(role: Role, action: str) -> str:
    """The same answer for an admin write action (ADMIN_POSTINGS, ADMIN_WRITES, ADMIN_REQUESTS,
    ADMIN_LIMITED; the rule pages are the rule rows)."""
    if action in ADMIN_POSTINGS:
        if not role_has(role, ADMIN_POSTING_PERMISSION):
            return "refused"
        return role_may(role, ADMIN_POSTINGS[action])
    if action in ADMIN_REQUESTS:
        return "four eyes" if role_has(role, ADMIN_REQUESTS[action][1]) else "refused"
    if action in ADMIN_LIMITED:
        _label, perm, limit = ADMIN_LIMITED[action]
        if limit == "never" or not role_has(role, perm):
            return "refused"
        return "refused" if limit == "branch" and not role.branch_level else "alone"
    return "alone" if role_has(role, ADMIN_WRITES[action][1]) else "refused"


def admin_actions() -> dict[str, str]:
    """Every admin write action of the table -> its row's label."""
    limit = f"{disbursement_threshold():,} đồng"
    labels = {
        action: f"admin: loan page, {action.replace('_', ' ')}"
        + (f" (above {limit})" if action == "disburse" else "")
        for action in ADMIN_POSTINGS
    }
    labels.update({key: label for key, (label, _perm) in ADMIN_WRITES.items()})
    labels.update({key: label for key, (label, _perm) in ADMIN_REQUESTS.items()})
    labels.update({key: label for key, (label, _perm, _limit) in ADMIN_LIMITED.items()})
    return labels


MARKERS = ("<!-- access-table:start -->", "<!-- access-table:end -->")
CELL = {"alone": "✔", "four eyes": "2 người", "refused": "–"}


def access_table() -> str:
    """The README's access table (Markdown), from ROLES: ✔ alone, "2 người" four eyes, – no."""
    head = "| | " + " | ".join(role.name for role in ROLES) + " |"
    lines = [head, "|" + "---|" * (len(ROLES) + 1)]
    lines.append(
        "| sees | "
        + " | ".join("all offices" if role.branch_level else "own office" for role in ROLES)
        + " |"
    )
    small = [
        CELL["alone" if role_has(r, OPERATION_PERMISSIONS["disbursements"]) else "refused"]
        for r in ROLES
    ]
    limit = f"{disbursement_threshold():,} đồng"
    lines.append(
        f"| POST /loans/{{id}}/disbursements/ (up to {limit}) | " + " | ".join(small) + " |"
    )
    for operation in OPERATION_PERMISSIONS:
        label = f"POST /loans/{{id}}/{operation}/"
        if operation == "disbursements":
            label += f" (above {limit})"
        cells = [CELL[role_may(role, operation)] for role in ROLES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for held, (label, _perm) in HELD_OPERATIONS.items():
        cells = [CELL[role_may(role, held)] for role in ROLES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for rule, label in RULE_LABELS.items():
        cells = [CELL[role_may(role, rule)] for role in ROLES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for write in OTHER_WRITES:
        cells = [CELL[role_writes(role, write)] for role in ROLES]
        lines.append(f"| {write} | " + " | ".join(cells) + " |")
    for action, label in admin_actions().items():
        cells = [CELL[admin_may(role, action)] for role in ROLES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
