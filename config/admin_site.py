"""The project's admin site: its titles. Installed by `config.apps.AdminConfig` as the default
site, so every app registers on `django.contrib.admin.site` and imports nothing from config."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class AdminSite(admin.AdminSite):
    """Django's admin site under the bank's name."""

    site_header = "NHCSXH – Quản lý cho vay"
    site_title = "NHCSXH – Quản lý cho vay"
    index_title = _("Quản lý cho vay")
