"""The admin page "Chuyển đổi dữ liệu": upload a take-on workbook, see the preview (counts and
every row error), then confirm; the list of past batches; the template to download."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyMixin
from core.exports import XLSX_MEDIA_TYPE

from .admin_organisation import UPLOADS, OrganisationAdminMixin, _store
from .models import ImportBatch
from .services import import_book
from .undo import UndoError, undo_batch
from .workbook import template_bytes


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp chuyển đổi (.xlsx hoặc .zip các tệp CSV)"))
    as_of = forms.DateField(
        label=_("Ngày chuyển đổi (cuối ngày)"), input_formats=["%d/%m/%Y", "%Y-%m-%d"]
    )


class ConfirmForm(forms.Form):
    token = forms.RegexField(regex=r"^[A-Za-z0-9_-]{20,60}$", widget=forms.HiddenInput)
    as_of = forms.DateField(widget=forms.HiddenInput)
    file_name = forms.CharField(widget=forms.HiddenInput, required=False)


@admin.register(ImportBatch)
class ImportBatchAdmin(OrganisationAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "as_of",
        "file_name",
        "households",
        "loans",
        "savings",
        "created_by",
        "created_at",
        "undone_at",
    )
    date_hierarchy = "as_of"
    actions = ["undo"]

    def has_undo_permission(self, request) -> bool:
        return request.user.has_perm("takeon.undo_importbatch")

    @admin.action(
        description=_("Hủy đợt chuyển đổi (trước mọi bút toán sau đó)"), permissions=["undo"]
    )
    def undo(self, request, queryset):
        """Each selected batch undone on its own: one refused does not stop the others."""
        for batch in queryset.order_by("-pk"):
            try:
                undo_batch(batch.pk, by=request.user)
            except UndoError as exc:
                messages.error(request, f"{batch}: {exc.message}")
            else:
                messages.success(request, _("Đã hủy đợt chuyển đổi %(b)s.") % {"b": batch})

    def get_urls(self):
        def route(suffix: str, view, name: str):
            return path(suffix, self.admin_site.admin_view(view), name=f"takeon_importbatch_{name}")

        return [
            route("import/", self.import_view, "import"),
            route("template/", self.template_view, "template"),
            *self.organisation_urls(),
            *super().get_urls(),
        ]

    def template_view(self, request):
        response = HttpResponse(template_bytes(), content_type=XLSX_MEDIA_TYPE)
        response["Content-Disposition"] = 'attachment; filename="mau-chuyen-doi-du-lieu.xlsx"'
        return response

    def import_view(self, request):
        """Step 1: upload and preview (a dry run). Step 2: confirm, the same file posted."""
        if not request.user.has_perm("takeon.add_importbatch"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts}
        context["title"] = _("Chuyển đổi dữ liệu")
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request, context)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            as_of, name = form.cleaned_data["as_of"], form.cleaned_data["file"].name
            report = import_book(data, as_of=as_of, dry_run=True, by=request.user)
            context["report"] = report
            if not report.errors:
                token = _store(data)
                context["confirm"] = ConfirmForm(
                    initial={"token": token, "as_of": as_of, "file_name": name}
                )
        context["form"] = form
        return TemplateResponse(request, "admin/takeon/importbatch/import.html", context)

    def _confirm(self, request, context):
        form = ConfirmForm(request.POST)
        path_ = UPLOADS / form.data.get("token", "-") if form.is_valid() else None
        if path_ is None or not path_.is_file():
            messages.error(request, _("Tệp xem trước không còn: hãy tải tệp lên lại."))
            return redirect("admin:takeon_importbatch_import")
        data = path_.read_bytes()
        report = import_book(
            data,
            as_of=form.cleaned_data["as_of"],
            dry_run=False,
            by=request.user,
            file_name=form.cleaned_data["file_name"],
        )
        path_.unlink(missing_ok=True)
        if report.posted or not (report.errors or report.mismatches):
            messages.success(
                request,
                _("Đã chuyển đổi %(h)s hộ, %(l)s khoản vay, %(s)s tài khoản tiết kiệm.")
                % {"h": report.households, "l": report.loans, "s": report.savings},
            )
            return redirect("admin:takeon_importbatch_changelist")
        context |= {"report": report, "form": UploadForm()}
        return TemplateResponse(request, "admin/takeon/importbatch/import.html", context)
