"""The roles as Django groups, with their permissions (called by the data migrations)."""

from .roles import ROLES, matches


def sync_groups(apps) -> None:
    """Create or update one group per role with exactly the permissions the role lists."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():  # permissions exist only after post_migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    every = [
        (f"{p.content_type.app_label}.{p.codename}", p.pk)
        for p in permission_model.objects.select_related("content_type")
    ]
    for role in ROLES:
        group, _created = group_model.objects.get_or_create(name=role.name)
        ids = [pk for name, pk in every if any(matches(pat, name) for pat in role.permissions)]
        group.permissions.set(ids)
