"""Excel and CSV of any admin list, filtered as on screen (every cell through core.exports).

A ModelAdmin mixing in ExportMixin gets two links above its list, "Xuất Excel" and "Xuất CSV",
that carry the list's query string (filters, search, ordering) to `export/xlsx/` and
`export/csv/`; the rows are the changelist's own queryset, read in one query (the admin's
list_select_related applies). Columns: `export_fields` (model fields, a__b paths, or names
of the admin's methods), by default the list's columns.
"""

from django.contrib.admin.utils import label_for_field
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from .exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, csv_bytes, write_row, xlsx_bytes

EXPORT_LIMIT = 200_000  # a list this long is a job for a report, not a page's export


class ExportMixin:
    export_fields: list[str] | None = None

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.export_view)
        return [
            path("export/<str:fmt>/", view, name="{}_{}_export".format(*info)),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_export"
        query = request.GET.urlencode()
        links = [
            (f"{reverse(name, args=[fmt])}{'?' + query if query else ''}", label)
            for fmt, label in (("xlsx", _("Xuất Excel")), ("csv", _("Xuất CSV")))
        ]
        return super().changelist_view(request, {**(extra_context or {}), "export_links": links})

    def export_columns(self, request) -> list[str]:
        names = self.export_fields or list(self.get_list_display(request))
        return [name for name in names if name != "action_checkbox"]

    def export_view(self, request, fmt: str):
        if fmt not in ("xlsx", "csv"):
            raise PermissionDenied
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request)[:EXPORT_LIMIT]
        columns = self.export_columns(request)
        header = [str(label_for_field(name, self.model, self)) for name in columns]
        table = [header, *([self._export_value(obj, name) for name in columns] for obj in rows)]
        file_name = f"{self.opts.model_name}.{fmt}"
        if fmt == "csv":
            response = HttpResponse(csv_bytes(table), content_type=CSV_MEDIA_TYPE)
        else:
            response = HttpResponse(
                _xlsx(table, str(self.opts.verbose_name_plural)), content_type=XLSX_MEDIA_TYPE
            )
        response["Content-Disposition"] = f'attachment; filename="{file_name}"'
        return response

    def _export_value(self, obj, name: str):
        if hasattr(self, name) and callable(getattr(self, name)):
            return getattr(self, name)(obj)
        target, field_name = obj, name
        *path_, field_name = name.split("__")
        for step in path_:
            target = getattr(target, step, None)
            if target is None:
                return None
        try:
            field = target._meta.get_field(field_name)
        except FieldDoesNotExist:
            value = getattr(target, field_name, None)
            return value() if callable(value) else value
        if field.choices:
            return getattr(target, f"get_{field_name}_display")()
        value = getattr(target, field_name)
        if isinstance(field, models.ForeignKey | models.OneToOneField):
            return None if value is None else str(value)
        if isinstance(value, models.Model):
            return str(value)
        return value


def _xlsx(table: list[list], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Sheet"
    for number, values in enumerate(table, start=1):
        write_row(sheet, number, [_plain(v) for v in values])
    return xlsx_bytes(book)


def _plain(value):
    """A value Excel can hold: timezone-aware datetimes lose the zone, Decimals stay numbers."""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value
