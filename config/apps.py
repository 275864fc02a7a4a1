from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with the project's site as `admin.site`, and the strict whole numbers of
    core.forms for every integer field of a model form (Django's own take "1_000", "１０００"
    and "+5")."""

    default_site = "config.admin_site.AdminSite"

    def ready(self) -> None:
        # Before the admin modules are discovered: each ModelAdmin copies these defaults.
        from django.contrib.admin import options
        from django.db import models

        from core.forms import IntegerField

        for field in (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveSmallIntegerField,
            models.PositiveBigIntegerField,
        ):
            options.FORMFIELD_FOR_DBFIELD_DEFAULTS[field] = {
                **options.FORMFIELD_FOR_DBFIELD_DEFAULTS.get(field, {}),
                "form_class": IntegerField,
            }
        super().ready()
