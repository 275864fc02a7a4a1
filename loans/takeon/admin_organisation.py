"""The admin page "Nhập mạng lưới" (offices, transaction points, associations, savings
groups on their own), with the take-on's preview, and the households-only template: a
households sheet alone goes through the take-on page itself."""

import secrets
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.exports import XLSX_MEDIA_TYPE

from . import organisation, workbook

TEMPLATE = "admin/takeon/importbatch/organisation.html"
UPLOADS = Path(tempfile.gettempdir()) / "vbsp-takeon"


class OrganisationForm(forms.Form):
    file = forms.FileField(label=_("Tệp mạng lưới (.xlsx hoặc .zip các tệp CSV)"))


class OrganisationAdminMixin:
    """Routes of the ImportBatch admin for the organisation and the households alone."""

    admin_site: Any  # the ModelAdmin's
    opts: Any

    def organisation_urls(self) -> list:
        def route(suffix: str, view, name: str):
            return path(suffix, self.admin_site.admin_view(view), name=f"takeon_importbatch_{name}")

        return [
            route("organisation/", self.organisation_view, "organisation"),
            route("organisation/template/", self.organisation_template, "organisation_template"),
            route("template/households/", self.households_template, "households_template"),
        ]

    def organisation_template(self, request):
        data = workbook.template_bytes(organisation.SHEETS, organisation.EXAMPLE)
        return _attachment(data, "mau-mang-luoi.xlsx")

    def households_template(self, request):
        sheets = {"households": workbook.SHEETS["households"]}
        return _attachment(workbook.template_bytes(sheets), "mau-ho-vay.xlsx")

    def organisation_view(self, request):
        """Step 1: upload and preview (a dry run). Step 2: confirm, the same file posted."""
        if not request.user.has_perm("borrowers.add_savingsgroup"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts}
        context["title"] = _("Nhập mạng lưới")
        if request.method == "POST" and "token" in request.POST:
            return self._organisation_confirm(request)
        form = OrganisationForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            context["report"] = organisation.import_organisation(data, dry_run=True)
            if not context["report"].errors:
                context["token"] = _store(data)
        context["form"] = form
        return TemplateResponse(request, TEMPLATE, context)

    def _organisation_confirm(self, request):
        token = request.POST.get("token", "")
        path_ = UPLOADS / token
        if not token.replace("-", "").replace("_", "").isalnum() or not path_.is_file():
            messages.error(request, _("Tệp xem trước không còn: hãy tải tệp lên lại."))
            return redirect("admin:takeon_importbatch_organisation")
        report = organisation.import_organisation(path_.read_bytes(), dry_run=False)
        path_.unlink(missing_ok=True)
        counts = report.counts
        messages.success(
            request,
            _("Đã thêm %(o)s PGD, %(p)s điểm giao dịch, %(a)s hội, %(g)s tổ TK&VV.")
            % {
                "o": counts["offices"],
                "p": counts["transaction_points"],
                "a": counts["associations"],
                "g": counts["savings_groups"],
            },
        )
        return redirect("admin:takeon_importbatch_changelist")


def _attachment(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _store(data: bytes) -> str:
    """The previewed file kept for its confirmation, under a random token."""
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    token = secrets.token_urlsafe(24)
    (UPLOADS / token).write_bytes(data)
    return token
