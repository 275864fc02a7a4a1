from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Tác vụ định kỳ")

    def ready(self) -> None:
        # The reconciliation's pages and API show how its latest run stands; loans never
        # imports tasks, so the runs' owner tells it (loans.reconciliation.selectors).
        from loans.reconciliation.selectors import register_run_status_reader

        register_run_status_reader(run_status)


def run_status(run_id: int) -> tuple[str, str] | None:
    """(status, its label) of a job run, or None if there is no such run."""
    from .models import JobRun

    run = JobRun.objects.filter(pk=run_id).only("status").first()
    return (run.status, str(run.get_status_display())) if run else None
