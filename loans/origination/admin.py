"""Applications in the admin: the list (by status, point, group, programme), the application
01/TD received through its service, and the application's page with its steps as forms, each
submitted to its service (a broken rule shows on the form's field); the printed forms 03/TD
and 04/TD as pages and Excel files. Nothing is edited or deleted: a mistake is withdrawn."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from borrowers.admin.base import ScopedOfficeFilter
from borrowers.selectors import savings_groups_for, transaction_points_for
from core.admin import NoDeleteMixin, ScopedAdmin, money_display
from core.exports import XLSX_MEDIA_TYPE

from . import forms, prints
from .models import ApplicationStatus, LoanApplication
from .selectors import applications_for, get_application_for, group_list_applications
from .services import DECIDE_PERMISSION

CHANGE_PERMISSION = "origination.change_loanapplication"


class ScopedPointFilter(admin.RelatedFieldListFilter):
    """The user's points that have applications (a short list, no other office's names)."""

    def field_choices(self, field, request, model_admin):
        points = transaction_points_for(request.user).filter(applications__isnull=False)
        return [(p.pk, forms.picker_label(p)) for p in points.distinct().order_by("code")]


class ScopedGroupFilter(admin.RelatedFieldListFilter):
    """The user's groups that have applications, by code and village."""

    def field_choices(self, field, request, model_admin):
        groups = savings_groups_for(request.user).filter(applications__isnull=False)
        return [(g.pk, f"{g.code} – {g.name} – {g.village}") for g in groups.distinct()]


class PickerView(AutocompleteJsonView):
    """The admin's autocomplete answer, each household or group with its code, village and
    point (the admin's own shows only the name)."""

    def get_queryset(self):
        return super().get_queryset().select_related("transaction_point")

    def serialize_result(self, obj, to_field_name) -> dict:
        return {"id": str(getattr(obj, to_field_name)), "text": forms.picker_label(obj)}


@admin.register(LoanApplication)
class LoanApplicationAdmin(NoDeleteMixin, ScopedAdmin):
    list_display = [
        "id",
        "borrower",
        "programme",
        "amount_display",
        "applied_on",
        "status",
        "savings_group",
        "transaction_point",
    ]
    list_filter = [
        "status",
        ("transaction_point", ScopedPointFilter),
        ("savings_group", ScopedGroupFilter),
        "programme",
        ("office", ScopedOfficeFilter),
    ]
    list_select_related = ["borrower", "programme", "savings_group", "transaction_point"]
    search_fields = ["=borrower__national_id", "borrower__full_name", "=savings_group__code"]
    change_form_template = "admin/origination/loanapplication/change_form.html"
    change_list_template = "admin/origination/loanapplication/change_list.html"
    fieldsets = [
        (None, {"fields": ["borrower", "status", "savings_group", "transaction_point", "office"]}),
        (
            _("Đề nghị vay vốn (01/TD)"),
            {
                "fields": [
                    "programme",
                    "loan_line",
                    "amount_display",
                    "term_months",
                    "grace_months",
                    "principal_frequency_months",
                    "due_day",
                    "approved_list_ref",
                    "approved_list_date",
                    "purpose",
                    "applied_on",
                    "submitted_by",
                    "submitted_at",
                ]
            },
        ),
    ]
    # Each step's record, shown once the step is taken (keyed by the field it always sets).
    step_fieldsets = [
        (
            "meeting_date",
            _("Họp tổ bình xét (10/TD)"),
            [
                "meeting_date",
                "members_present",
                "votes_for",
                "vote_recorded_by",
                "vote_recorded_at",
            ],
        ),
        (
            "certified_on",
            _("Xác nhận của UBND xã (03/TD)"),
            [
                "certified_on",
                "certification_ref",
                "certification_recorded_by",
                "certification_recorded_at",
            ],
        ),
        (
            "decided_on",
            _("Quyết định (04/TD)"),
            ["decided_on", "loan", "decision_reason", "decided_by", "decided_at"],
        ),
        (
            "withdrawn_at",
            _("Rút đề nghị"),
            ["withdrawal_reason", "withdrawn_by", "withdrawn_at"],
        ),
    ]
    readonly_fields = [
        *(name for _title, spec in fieldsets for name in spec["fields"]),
        *(name for _key, _title, names in step_fieldsets for name in names),
    ]
    amount_display = money_display(LoanApplication, "amount")

    def get_queryset(self, request):
        return applications_for(request.user)

    def get_fieldsets(self, request, obj=None):
        taken = [
            (title, {"fields": names})
            for key, title, names in self.step_fieldsets
            if obj is not None and getattr(obj, key) is not None
        ]
        return [*self.fieldsets, *taken]

    def has_change_permission(self, request, obj=None):
        # The application's terms never change in a form; its steps have their own forms.
        return obj is None and super().has_change_permission(request)

    def get_urls(self):
        def route(suffix: str, view, name: str):
            wrapped = self.admin_site.admin_view(view)
            return path(suffix, wrapped, name=f"origination_loanapplication_{name}")

        return [
            route("list-03/", self.group_list_view, "group_list"),
            route("notice-04/", self.notice_view, "notice"),
            route("picker/", PickerView.as_view(admin_site=self.admin_site), "picker"),
            *super().get_urls(),
        ]

    # --- the application 01/TD ---

    def add_view(self, request, form_url="", extra_context=None):
        """Receive an application through `services.submit_application`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        bound = request.method == "POST"
        form = forms.ApplicationForm(
            request.POST if bound else None,
            user=request.user,
            admin_site=self.admin_site,
            initial=request.GET.dict(),
        )
        if bound and form.is_valid() and form.submit(by=request.user):
            self.log_addition(request, form.result, [{"added": {}}])
            messages.success(request, form.success_message())
            return redirect("admin:origination_loanapplication_change", form.result.pk)
        visible = [field.name for field in form.visible_fields()]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": form.title,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": visible})], {}),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/origination/loanapplication/submit.html", context)

    # --- the application's page and its steps ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The application, and below it the forms of the steps it may take next; a step's
        form is posted here (`_step`) and its service called."""
        application = get_application_for(request.user, object_id)  # another office's: 404
        step = request.POST.get("_step") if request.method == "POST" else None
        step_forms = self._step_forms(request, application, bound=step)
        if step is not None:
            form = step_forms.get(step) or self._stale_step(request, application, step)
            step_forms[step] = form
            if form.is_valid() and form.submit(by=request.user):
                message = form.success_message()
                self.log_change(request, application, str(message))
                messages.success(request, message)
                return redirect("admin:origination_loanapplication_change", application.pk)
            # Show the page again, the step's form with its errors: as a page to look at (the
            # application itself is not a form that a POST would save).
            request.method = "GET"
        media = self.media
        for form in step_forms.values():
            media += form.media
        context = {
            **(extra_context or {}),
            "step_forms": list(step_forms.values()),
            "print_links": self._print_links(application),
            "media": media,
        }
        return super().change_view(request, object_id, form_url, context)

    @staticmethod
    def _may(user, step: str) -> bool:
        return user.has_perm(DECIDE_PERMISSION if step == "decide" else CHANGE_PERMISSION)

    def _step_forms(self, request, application: LoanApplication, *, bound: str | None) -> dict:
        """The steps the application may take next that the user may record."""
        user = request.user
        steps = []
        if application.status == ApplicationStatus.SUBMITTED:
            steps.append("vote" if application.needs_vote else "certify")
        elif application.status == ApplicationStatus.VOTED:
            steps.append("certify")
        elif application.status == ApplicationStatus.CERTIFIED:
            steps.append("decide")
        if application.status in LoanApplication.OPEN:
            steps.append("withdraw")
        return {
            step: forms.STEP_FORMS[step](
                request.POST if step == bound else None, application=application
            )
            for step in steps
            if self._may(user, step)
        }

    def _stale_step(self, request, application: LoanApplication, step: str) -> forms.StepForm:
        """A step posted from a page that is no longer current (another officer took a step
        meanwhile): its service says why it is refused, on the form."""
        if step not in forms.STEP_FORMS or not self._may(request.user, step):
            raise PermissionDenied
        return forms.STEP_FORMS[step](request.POST, application=application)

    def _print_links(self, application: LoanApplication) -> list[tuple[str, str]]:
        links = []
        if application.meeting_date and application.savings_group_id:
            query = {
                "savings_group": application.savings_group_id,
                "meeting_date": f"{application.meeting_date:%d/%m/%Y}",
            }
            url = reverse("admin:origination_loanapplication_group_list")
            links.append((f"{url}?{urlencode(query)}", _("Danh sách 03/TD của tổ")))
        if application.decided_on:
            query = {
                "transaction_point": application.transaction_point_id,
                "decided_on": f"{application.decided_on:%d/%m/%Y}",
            }
            url = reverse("admin:origination_loanapplication_notice")
            links.append((f"{url}?{urlencode(query)}", _("Thông báo 04/TD")))
        if application.loan_id:
            url = reverse("admin:loans_loan_change", args=[application.loan_id])
            links.append((url, _("Khoản vay")))
        return links

    # --- the printed forms ---

    def group_list_view(self, request):
        """03/TD for a group and a meeting (?savings_group=…&meeting_date=dd/mm/yyyy), with a
        form to record the commune's certification of the whole list (POST)."""
        form = forms.GroupListForm(
            request.GET or None, user=request.user, admin_site=self.admin_site
        )
        printed = certify = None
        if form.is_valid():
            group, day = form.cleaned_data["savings_group"], form.cleaned_data["meeting_date"]
            certify = self._certify_list_form(request, group, day)
            posted = certify is not None and certify.is_bound and certify.is_valid()
            if posted and certify.submit(by=request.user):
                messages.success(request, certify.success_message())
                return redirect(request.get_full_path())
            printed = prints.group_list(group, meeting_date=day)
        if request.method == "POST" and certify is None:
            raise PermissionDenied
        title = _("Danh sách 03/TD")
        return self._print_page(request, form, printed, title, certify_form=certify)

    def _certify_list_form(self, request, group, day) -> forms.CertifyListForm | None:
        """Offered while applications of the list await the commune's certification."""
        waiting = group_list_applications(group, meeting_date=day).filter(
            status=ApplicationStatus.VOTED
        )
        if not (request.user.has_perm(CHANGE_PERMISSION) and waiting.exists()):
            return None
        data = request.POST if request.method == "POST" else None
        return forms.CertifyListForm(data, group=group, meeting_date=day)

    def notice_view(self, request):
        """04/TD for a point and a day of decision (?transaction_point=…&decided_on=…)."""
        form = forms.NoticeForm(request.GET or None, user=request.user)
        printed = None
        if form.is_valid():
            data = form.cleaned_data
            point = data["transaction_point"]
            printed = prints.approval_notice(point, decided_on=data["decided_on"])
        return self._print_page(request, form, printed, _("Thông báo 04/TD"))

    def _print_page(self, request, form, printed, title, **extra):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if printed is not None and request.GET.get("format") == "xlsx":
            response = HttpResponse(prints.xlsx(printed), content_type=XLSX_MEDIA_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{printed.filename}.xlsx"'
            return response
        query = request.GET.copy()
        query.pop("format", None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "printed": printed,
            "tables": prints.page_tables(printed) if printed else [],
            "query": query.urlencode(),
            "media": sum((f.media for f in extra.values() if f), self.media + form.media),
            **extra,
        }
        return TemplateResponse(request, "admin/origination/loanapplication/print.html", context)
