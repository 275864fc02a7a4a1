"""The collection list 13/TD page of the admin: a group and a session date in, the form as the
group leader gets it out (printable on A4 landscape), or its Excel or CSV file."""

from collections.abc import Callable

from django import forms
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from borrowers.selectors import savings_groups_for
from core.forms import DateField

from .. import columns, exports
from ..collection_list import collection_list


class CollectionListForm(forms.Form):
    savings_group = forms.ModelChoiceField(queryset=None, label=_("tổ TK&VV"))
    session_date = DateField(label=_("ngày giao dịch"), help_text="dd/mm/yyyy")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["savings_group"].queryset = savings_groups_for(user).order_by("code")


def collection_list_page(request, page_context: Callable[..., dict]):
    """The page (or the file, with `?format=xlsx|csv`); only the user's groups are offered.
    `page_context(request, title, **context)` gives the admin page's context."""
    form = CollectionListForm(request.GET or None, user=request.user)
    cl = None
    if form.is_valid():
        group = form.cleaned_data["savings_group"]
        cl = collection_list(group, session_date=form.cleaned_data["session_date"])
        if (fmt := request.GET.get("format")) in exports.FORMATS:
            return exports.collection_list_download(cl).response(fmt)
    keys = [key for key, _label in columns.COLLECTION_COLUMNS]
    rows = cl.rows if cl else []
    context = page_context(
        request,
        _("Danh sách thu lãi, thu tiền gửi tiết kiệm (13/TD)"),
        form=form,
        cl=cl,
        header=exports.collection_list_header(cl) if cl else [],
        headings=[gettext(label) for _key, label in columns.COLLECTION_COLUMNS],
        rows=[[columns.shown(key, row.get(key)) for key in keys] for row in rows],
        totals={key: columns.shown(key, v) for key, v in (cl.totals if cl else {}).items()},
        query=request.GET.urlencode(),
    )
    template = "admin/reconciliation/reconciliation/collection_list.html"
    return TemplateResponse(request, template, context)
