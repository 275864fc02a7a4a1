"""The desk's panel "Chờ bạn phê duyệt": what a checker may decide, never the maker's own."""

from django.test import Client

from loans.approvals.selectors import waiting_for
from loans.approvals.services import request_approval


def test_the_checker_sees_what_waits_for_them_and_the_maker_does_not(roles, loan):
    officer, controller = roles.users["officer"], roles.users["controller"]
    request_approval(loan, operation="freezes", parameters={"start": "2025-06-01"}, by=officer)
    # One pending request of Văn Quan: its controller may decide it; its maker may not, and
    # the Bắc Sơn controller does not see another office's requests.
    assert waiting_for(controller).count() == 1
    assert waiting_for(officer).count() == 0
    assert waiting_for(roles.other_controller).count() == 0

    client = Client()
    client.force_login(controller)
    page = client.get("/admin/")
    assert page.status_code == 200
    panels = {shown["panel"].key: shown for shown in page.context["dashboard_panels"]}
    assert panels["approvals"]["count"] == 1
    assert panels["approvals"]["link"] == "/admin/approvals/approvalrequest/"
