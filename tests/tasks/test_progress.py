"""The long commands' progress: plain lines when the output is not a terminal (a log, a pipe,
CI), one when it starts and one per tenth; a bar drawn by rich on a terminal."""

import io

from django.core.management import call_command

from tasks.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_say_each_tenth_once():
    out = io.StringIO()
    with progress(out, "Khoản vay", total=200) as advance:
        for done in range(1, 201):
            advance(done)
        advance.say("xong")

    lines = out.getvalue().splitlines()
    # 200 steps: a line when it starts (0%), one per tenth reached (10% … 100%), the said one.
    assert len(lines) == 12 and lines[-1] == "xong"
    assert lines[0].startswith("Khoản vay: 1/200 (0%")
    assert lines[1].startswith("Khoản vay: 20/200 (10%")
    assert lines[-2].startswith("Khoản vay: 200/200 (100%")


def test_a_total_learnt_late_is_used():
    out = io.StringIO()
    with progress(out, "Phần") as advance:
        advance(0)  # nothing known yet: nothing said
        advance(1, 2)
        advance(2, 2)
    assert [line.split(" (")[0] for line in out.getvalue().splitlines()] == [
        "Phần: 1/2",
        "Phần: 2/2",
    ]


def test_a_terminal_gets_a_bar():
    out = Terminal()
    with progress(out, "Khoản vay", total=4) as advance:
        for done in range(1, 5):
            advance(done)
    drawn = out.getvalue()
    assert "Khoản vay" in drawn and "4/4" in drawn and "100%" in drawn


def test_the_commands_report_progress_in_plain_lines(db):
    out = io.StringIO()
    call_command("generate_portfolio", loans=30, stdout=out)
    assert "Khoản vay: 30/30 (100%" in out.getvalue()


def test_the_jobs_and_the_bench_report_progress_in_plain_lines(db, cast):
    # 30 generated loans in the two offices of the cast: one line per office done (and the
    # 100% line), no terminal codes.
    call_command("generate_portfolio", loans=30, until="2026-06-30", stdout=io.StringIO())
    out = io.StringIO()

    call_command("run_arrears", as_of="2026-06-30", full=True, stdout=out)
    call_command("run_reconciliation", month="2026-06", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(line.startswith("Tính nợ quá hạn (phòng giao dịch): ") for line in lines)
    assert any(line.startswith("Đối chiếu tháng (phòng giao dịch): ") for line in lines)
    assert any("(100%" in line for line in lines)
    assert "\x1b[" not in out.getvalue()
