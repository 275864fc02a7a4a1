"""What the job commands share: waiting for a run on the workers, with its progress."""

import time

from tasks.jobs import runs
from tasks.models import JobRun

WAITING = (JobRun.Status.QUEUED, JobRun.Status.RUNNING)


def wait_for(run: JobRun, advance) -> JobRun:
    """Follow `run` until it is done, failed or stalled (a stalled run waits for --resume)."""
    run.refresh_from_db()
    while run.status in WAITING:
        advance(run.parts_done, run.parts_total)
        time.sleep(1)
        runs.mark_stalled()
        run.refresh_from_db()
    advance(run.parts_done, run.parts_total)
    return run
