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

    def get_app_list(self, request, app_label=None):
        # A model admin with `menu_count(request)` shows it beside its name (e.g. the requests
        # waiting for a checker, "Chờ duyệt"), in the index and the side menu.
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for entry in app["models"]:
                counter = getattr(self._registry.get(entry["model"]), "menu_count", None)
                count = counter(request) if counter else 0
                if count:
                    entry["name"] = _("%(name)s (%(count)d chờ duyệt)") % {
                        "name": entry["name"],
                        "count": count,
                    }
        return app_list
