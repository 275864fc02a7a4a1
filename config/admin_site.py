"""The project's admin site: its titles. Installed by `config.apps.AdminConfig` as the default
site, so every app registers on `django.contrib.admin.site` and imports nothing from config."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class AdminSite(admin.AdminSite):
    """Django's admin site under the bank's name."""

    site_header = "NHCSXH – Quản lý cho vay"
    site_title = "NHCSXH – Quản lý cho vay"
    index_title = _("Quản lý cho vay")

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
