"""The benchmark's figures: the ratios it is judged by, and the table it prints."""

from __future__ import annotations


def ratios(result: dict) -> dict:
    nightly, floor, per_loan = result["nightly_s"], result["floor_s"], result["per_loan_ref_ms"]
    rows = result.get("nightly_snapshot_rows") or 0
    incremental = result.get("nightly_incremental_s")
    return {
        "nightly_loans_per_s": round(rows / nightly) if nightly else None,
        "nightly_over_floor": round(nightly / floor, 2) if floor else None,
        "incremental_over_floor": round(incremental / floor, 2) if floor and incremental else None,
        # The per-loan loop would visit the same loans the job wrote.
        "speedup_vs_per_loan": round(per_loan * rows / 1000 / nightly, 1)
        if per_loan and nightly
        else None,
    }


def table(result: dict) -> str:
    """The figures as an aligned two-column table."""
    rows = [
        ("database", result["database"]),
        ("loans in the database", f"{result['loans']:,}"),
        ("loans in the night's snapshot", f"{result.get('nightly_snapshot_rows') or 0:,}"),
        ("generation", _seconds(result.get("generation_s"))),
        (
            "nightly job (min / median)",
            f"{result['nightly_s']:.2f} s / {result['nightly_median_s']:.2f} s",
        ),
        ("nightly loans per second", f"{result['nightly_loans_per_s'] or 0:,}"),
        ("nightly peak RSS", f"{result['nightly_peak_rss_mb']:.0f} MB"),
        ("floor (one SQL statement)", f"{result['floor_s']:.2f} s"),
        ("nightly / floor", f"{result['nightly_over_floor']}×"),
        ("incremental night after one day", _seconds(result.get("nightly_incremental_s"), 2)),
        ("incremental / floor", f"{result.get('incremental_over_floor')}×"),
        (
            "incremental: rolled forward / differences",
            f"{result.get('incremental_rolled_forward') or 0:,} / "
            f"{result.get('incremental_differences')}",
        ),
        ("per-loan reference", f"{result['per_loan_ref_ms']} ms per loan"),
        ("speed-up vs per-loan", f"{result['speedup_vs_per_loan']}×"),
        ("per-loan disagreements", str(len(result.get("per_loan_disagreements") or []))),
        ("admin loan list p50 / p95", _pages(result["admin_list_ms"])),
        ("dashboard p50 / p95", _pages(result.get("dashboard_ms"))),
        ("reconciliation", _seconds(result["reconciliation_s"])),
        ("savings interest (half-year)", _seconds(result.get("savings_interest_s"))),
        ("report p95", str(result["report_p95_ms"])),
        ("40-member sheet p50 / p95", _pages(result.get("session_sheet_ms"))),
    ]
    for count, figures in (result.get("nightly_s_by_workers") or {}).items():
        rows.append((f"nightly on {count} worker(s)", f"{figures['seconds']:.2f} s"))
    rows.append(("load average start / end", f"{result['load_average_start']} / "
                                             f"{result['load_average_end']}"))  # fmt: skip
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def _seconds(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f} s"


def _pages(value) -> str:
    return "–" if not value else f"{value['p50']:.0f} ms / {value['p95']:.0f} ms"
