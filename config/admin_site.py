"""The project's admin site: its titles. Installed by `config.apps.AdminConfig` as the default
site, so every app registers on `django.contrib.admin.site` and imports nothing from config."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class AdminSite(admin.AdminSite):
    """Django's admin site under the bank's name."""

    site_header = "NHCSXH – Quản lý cho vay"
    site_title = "NHCSXH – Quản lý cho vay"
    index_title = _("Quản lý cho vay")
    # The index is the officer's desk: the dashboard above the list of sections.
    index_template = "desk/index.html"

    def index(self, request, extra_context=None):
        from desk.views import dashboard_context  # the apps are loaded by the time it is asked

        return super().index(request, {**dashboard_context(request), **(extra_context or {})})

    def autocomplete_view(self, request):
        # Pickers name households and groups by code, village and point, not the name alone.
        from borrowers.admin.base import LabelledAutocompleteView

        return LabelledAutocompleteView.as_view(admin_site=self)(request)
