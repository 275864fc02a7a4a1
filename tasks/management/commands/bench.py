"""python manage.py bench --loans N [--json FILE] [--as-of YYYY-MM-DD] [--workers 1,2] [--reuse]"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks.progress import progress
from tasks.synthetic import bench, generator


class Command(BaseCommand):
    help = (
        "Benchmark the nightly arrears job on a generated portfolio against its SQL floor and a "
        "per-loan ORM loop; optionally on K real Celery workers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, required=True)
        parser.add_argument("--json", dest="json_path", help="write the figures to this file")
        parser.add_argument("--as-of", dest="as_of", help="business date (default yesterday)")
        parser.add_argument(
            "--workers", help="comma-separated worker counts, e.g. 1,2 (needs Redis)"
        )
        parser.add_argument(
            "--reuse", action="store_true", help="use the loans in the database as they are"
        )
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
        parser.add_argument("--sample", type=int, default=500, help="loans of the per-loan loop")
        parser.add_argument("--repeat", type=int, default=3, help="runs of the job and the floor")
        parser.add_argument("--in-process", action="store_true", help="run the job in this process")

    def handle(self, *args, loans, json_path, as_of, workers, reuse, seed, sample, repeat,
               in_process, **options):  # fmt: skip
        try:
            day = date.fromisoformat(as_of) if as_of else None
            counts = tuple(int(k) for k in workers.split(",")) if workers else ()
        except ValueError as exc:
            raise CommandError("--as-of is YYYY-MM-DD, --workers like 1,2") from exc
        with progress(self.stdout, "bench", total=len(bench.STAGES)) as advance:
            result = bench.run_bench(
                loans=loans,
                as_of=day,
                workers=counts,
                reuse=reuse,
                seed=seed,
                sample=sample,
                repeat=repeat,
                in_process=True if in_process else None,
                say=advance.say,
                stage=advance,
            )
        self.stdout.write(bench.table(result))
        for note in result.get("notes") or []:
            self.stdout.write(f"note: {note}")
        if json_path:
            Path(json_path).write_text(json.dumps(result, indent=2, default=str) + "\n")
            self.stdout.write(f"figures written to {json_path}")
