"""The admin's "Phiên giao dịch xã": open a session for a point and a date, see the point's
groups, enter a group's sheet 13/TD as one grid (submitted once; errors on their rows, nothing
posted), close the session, print the receipts 01/BL, the filled 13/TD and the summary."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from borrowers.models import SavingsGroup
from core.admin_exports import ExportMixin

from . import services
from .forms import OpenSessionForm, SheetForm, UploadForm
from .models import CollectionSheet, Receipt, Session
from .selectors import get_session_for, sessions_for, sheet
from .upload import read_sheet

TEMPLATES = "admin/point_sessions/session/"


@admin.register(Session)
class SessionAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["transaction_point", "session_date", "status", "opened_by"]
    list_filter = ["status"]
    date_hierarchy = "session_date"
    search_fields = ["transaction_point__name", "transaction_point__code"]

    def get_queryset(self, request):
        return sessions_for(request.user)

    def has_change_permission(self, request, obj=None):
        return (
            False
            if obj is not None and not obj.is_open
            else super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def route(suffix: str, view, name: str):
            return path(
                suffix, self.admin_site.admin_view(view), name=f"point_sessions_session_{name}"
            )

        return [
            route("<int:pk>/sheet/<int:group_id>/", self.sheet_view, "sheet"),
            route("<int:pk>/sheet/<int:group_id>/print/", self.sheet_print_view, "sheet_print"),
            route("<int:pk>/receipts/", self.receipts_view, "receipts"),
            route("<int:pk>/summary/", self.summary_view, "summary"),
            route("<int:pk>/close/", require_POST(self.close_view), "close"),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def add_view(self, request, form_url="", extra_context=None):
        """Open a session: a point and a date (blank: the point's latest session day)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OpenSessionForm(request.POST or None, user=request.user, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid() and form.submit(by=request.user):
            messages.success(request, _("Đã mở phiên %(s)s.") % {"s": form.result})
            return redirect("admin:point_sessions_session_change", form.result.pk)
        context = self._context(
            request, _("Mở phiên giao dịch xã"), form=form, media=self.media + form.media
        )
        return TemplateResponse(request, TEMPLATES + "open.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The session's page: its groups (each with its sheet), totals, prints, close."""
        session = get_session_for(request.user, object_id)
        posted = set(
            session.sheets.filter(supplement=False).values_list("savings_group_id", flat=True)
        )
        groups = [
            (group, group.pk in posted)
            for group in SavingsGroup.objects.filter(
                transaction_point=session.transaction_point, is_active=True
            ).order_by("name")
        ]
        context = self._context(
            request,
            str(session),
            session=session,
            groups=groups,
            totals=services.session_totals(session),
            can_post=request.user.has_perm("point_sessions.add_collectionsheet"),
        )
        return TemplateResponse(request, TEMPLATES + "detail.html", context)

    def sheet_view(self, request, pk, group_id):
        """A group's sheet as one editable grid, submitted once."""
        session = get_session_for(request.user, pk)
        group = get_object_or_404(
            SavingsGroup, pk=group_id, transaction_point=session.transaction_point
        )
        bound = request.method == "POST"
        if bound and not request.user.has_perm("point_sessions.add_collectionsheet"):
            raise PermissionDenied
        if bound and "workbook" in request.FILES:
            return self._uploaded(request, session, group)
        form = SheetForm(request.POST if bound else None, sheet=sheet(session, group))
        if bound and form.is_valid() and form.submit(session, group, by=request.user):
            messages.success(request, _("Đã ghi sổ bảng kê của tổ %(g)s.") % {"g": group})
            return redirect("admin:point_sessions_session_change", session.pk)
        return self._sheet_page(request, session, group, form)

    def _uploaded(self, request, session, group):
        """A filled 13/TD workbook read into the grid: a preview with each bad row's message;
        nothing posts until the grid is submitted."""
        upload = UploadForm(request.POST, request.FILES)
        prefilled = sheet(session, group)
        if not upload.is_valid():
            return self._sheet_page(request, session, group, SheetForm(sheet=prefilled), upload)
        lines = SheetForm(sheet=prefilled, prefill=False).lines
        initial, errors = read_sheet(upload.cleaned_data["workbook"].read(), lines)
        form = SheetForm(sheet=prefilled, prefill=False, initial=initial)
        return self._sheet_page(
            request, session, group, form, upload, upload_errors=errors, uploaded=not errors
        )

    def _sheet_page(self, request, session, group, form, upload=None, **extra):
        context = self._context(
            request,
            _("Bảng kê 13/TD: %(g)s") % {"g": group},
            session=session,
            group=group,
            form=form,
            upload=upload or UploadForm(),
            media=self.media + form.media,
            **extra,
        )
        return TemplateResponse(request, TEMPLATES + "sheet.html", context)

    def sheet_print_view(self, request, pk, group_id):
        """The group's filled 13/TD: what each member paid at the session."""
        session = get_session_for(request.user, pk)
        sheets = CollectionSheet.objects.filter(session=session, savings_group_id=group_id)
        receipts = Receipt.objects.filter(sheet__in=sheets).select_related("borrower")
        context = self._context(
            request, _("Bảng kê 13/TD đã thu"), session=session, receipts=receipts, sheets=sheets
        )
        return TemplateResponse(request, TEMPLATES + "sheet_print.html", context)

    def receipts_view(self, request, pk):
        """Every receipt 01/BL of the session, one per page."""
        session = get_session_for(request.user, pk)
        receipts = Receipt.objects.filter(sheet__session=session).select_related(
            "borrower", "sheet__savings_group"
        )
        context = self._context(request, _("Biên lai 01/BL"), session=session, receipts=receipts)
        return TemplateResponse(request, TEMPLATES + "receipts.html", context)

    def summary_view(self, request, pk):
        """The session summary: totals by kind, cash in and out, receipts issued."""
        session = get_session_for(request.user, pk)
        context = self._context(
            request,
            _("Tổng hợp phiên giao dịch"),
            session=session,
            totals=services.session_totals(session),
            fees=services.fees_due(session),
        )
        return TemplateResponse(request, TEMPLATES + "summary.html", context)

    def close_view(self, request, pk):
        session = get_session_for(request.user, pk)
        if not request.user.has_perm("point_sessions.change_session"):
            raise PermissionDenied
        try:
            services.close_session(session, by=request.user)
            messages.success(request, _("Đã đóng phiên."))
        except services.SessionError as exc:
            messages.error(request, exc.message)
        return redirect("admin:point_sessions_session_change", session.pk)
