"""Reads of the job runs, scoped to the user's offices (borrowers.selectors decides who sees
what): which runs a user sees, and which of a run's figures.

Branch-level staff see every run whole. An officer sees the branch's runs and the runs of their
own offices (never another office's own run), and of each only their offices' part: its
partitions, their progress, counts and errors. The dashboard reads the runs that need someone
through `runs_needing_attention_for`.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from borrowers.selectors import User, office_ids_for

from .jobs import runs
from .models import JobPartition, JobRun

ATTENTION = (JobRun.Status.STALLED, JobRun.Status.FAILED)


def job_runs_for(user: User) -> QuerySet[JobRun]:
    """The runs `user` may see, newest first, with their partitions at hand."""
    office_ids = office_ids_for(user)
    if office_ids == []:
        return JobRun.objects.none()
    partitions = JobPartition.objects.select_related("office").order_by("office__code")
    result = JobRun.objects.select_related("created_by").prefetch_related(
        Prefetch("partitions", queryset=partitions), "offices"
    )
    if office_ids is not None:
        theirs = JobRun.offices.through.objects.filter(
            jobrun_id=OuterRef("pk"), transactionoffice_id__in=office_ids
        )
        result = result.filter(Q(scope=JobRun.Scope.BRANCH) | Q(Exists(theirs)))
    return result.order_by("-created_at", "-id")


def runs_needing_attention_for(user: User) -> QuerySet[JobRun]:
    """Stalled and failed runs `user` sees, newest first (for the dashboard); runs that stopped
    progressing are marked stalled first, so the answer is current without beat."""
    runs.mark_stalled()
    return job_runs_for(user).filter(status__in=ATTENTION)


def can_start_for(user: User, office_ids: list[int] | None) -> bool:
    """Whether `user` may start (or resume) a run over `office_ids` (None: the whole branch):
    the permission to start jobs, and every office in the run among theirs."""
    if not user.has_perm("tasks.add_jobrun"):
        return False
    theirs = office_ids_for(user)
    if theirs is None:
        return True
    return office_ids is not None and bool(office_ids) and set(office_ids) <= set(theirs)


@dataclass(frozen=True)
class RunView:
    """What one user sees of a run's progress and results."""

    parts_total: int
    parts_done: int
    progress: int
    counts: dict
    error: str
    partitions: list[JobPartition]


def run_view_for(user: User, run: JobRun) -> RunView:
    """The whole run at branch level; an officer's offices' partitions, with their counts
    added up, otherwise."""
    partitions = list(run.partitions.all())
    office_ids = office_ids_for(user)
    if office_ids is None:
        return RunView(
            run.parts_total, run.parts_done, run.progress, run.counts, run.error, partitions
        )
    mine = [part for part in partitions if part.office_id in office_ids]
    done = sum(part.status == JobPartition.Status.DONE for part in mine)
    progress = done * 100 // len(mine) if mine else 0
    return RunView(
        parts_total=len(mine),
        parts_done=done,
        progress=100 if run.status == JobRun.Status.DONE else progress,
        counts=_added_up(part.counts for part in mine),
        error="; ".join(part.error for part in mine if part.error),
        partitions=mine,
    )


def _added_up(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for one in counts:
        for key, value in one.items():
            total[key] = total.get(key, 0) + int(value)
    return total
