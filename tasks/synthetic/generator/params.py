"""What the synthetic portfolio is drawn from: sizes, behaviour shares and programme terms."""

from dataclasses import dataclass

DEFAULT_SEED = 2026
BATCH_LOANS = 50_000
M = 1_000_000
LOANS_PER_HOUSEHOLD = {1: 0.55, 2: 0.33, 3: 0.10, 4: 0.02}  # mean 1.59
MEMBERS_PER_GROUP = 37
GROUPS_PER_POINT = 17
POINTS_PER_OFFICE = 18
HISTORY_YEARS = 10
RECENCY_MONTHS = 30  # disbursement ages ~ exponential: a live book is mostly recent
SIM = "SIM"  # code prefix of everything synthetic

# Behaviour shares (of disbursed loans) and per-session events.
NOT_DISBURSED = 0.005  # approved, waiting for the next session
STOPPED = 0.025  # stop paying altogether at some point
INTEREST_ONLY = 0.01  # keep paying interest, stop paying principal
FROZEN_OF_STOPPED = 0.12  # khoanh nợ after a disaster
WRITTEN_OFF_OF_STOPPED = 0.05
PREPAY = 0.05  # pay principal early (40% of them settle in full)
TWO_TRANCHES = 0.03  # 30% for loans with a grace period (houses built in two stages)
EXTENDED = 0.015  # gia hạn nợ of one instalment
DUPLICATE_REVERSED = 0.005  # a receipt keyed twice, the second reversed the same day
LATE, MISSED, CAUGHT_UP = 0.06, 0.02, 0.7  # per session; a missed one paid next time or never


@dataclass(frozen=True)
class Terms:
    """How a programme's loans are drawn: amounts in millions, terms and grace in months."""

    amounts: tuple[int, ...]
    terms: tuple[int, ...]
    grace: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 6, 12)


TERMS = {
    "HN": Terms((20, 30, 40, 50, 50, 60, 70, 80, 100), (36, 48, 60, 60, 84, 120)),
    "HCN": Terms((20, 30, 40, 50, 50, 60, 80, 100), (36, 48, 60, 60, 84)),
    "HMTN": Terms((20, 30, 40, 50, 60, 80, 100), (36, 48, 60, 60)),
    "HSSV": Terms((16, 24, 32, 40, 48, 60, 80), (72, 96, 120), grace=(36, 48, 60)),
    "GQVL": Terms((30, 40, 50, 60, 80, 100), (36, 48, 60, 60, 84)),
    "NSVSMT": Terms((10, 12, 15, 20, 25), (24, 36, 48, 60, 60)),
    "SXKD": Terms((30, 40, 50, 60, 80, 100), (36, 48, 60, 84)),
    "NOXH": Terms((300, 400, 500, 600, 800, 1000), (180, 240, 300), grace=(0, 6, 12)),
    "ND28-DAT": Terms((30, 40, 50), (180,), grace=(60,)),
    "ND28-NHA": Terms((30, 35, 40, 40), (180,), grace=(60,)),
    "ND28-SX": Terms((40, 50, 60, 77), (60, 84, 120)),
    "ND28-CGT": Terms((50, 60, 80, 100), (60, 84, 120)),
}
# Programme mix (weights) by household category; Decree 28 lines for poor minority households.
PROGRAMME_MIX = {
    "poor_minority": {"HN": 40, "ND28-NHA": 8, "ND28-DAT": 4, "ND28-SX": 6, "ND28-CGT": 2,
                      "NSVSMT": 12, "GQVL": 8, "SXKD": 10, "HSSV": 8},
    "poor": {"HN": 55, "NSVSMT": 14, "GQVL": 10, "SXKD": 12, "HSSV": 9},
    "near_poor": {"HCN": 55, "NSVSMT": 14, "GQVL": 10, "SXKD": 12, "HSSV": 9},
    "newly_escaped": {"HMTN": 55, "NSVSMT": 14, "GQVL": 10, "SXKD": 12, "HSSV": 9},
    "other": {"SXKD": 40, "GQVL": 25, "NSVSMT": 20, "HSSV": 10, "NOXH": 3, "ND28-CGT": 2},
}  # fmt: skip
MIX_KEYS = list(PROGRAMME_MIX)
CATEGORIES = ("poor", "near_poor", "newly_escaped", "other")
CATEGORY_WEIGHTS = (50, 25, 18, 7)
FREQUENCIES, FREQUENCY_WEIGHTS = (6, 12, 3, 1), (55, 25, 12, 8)
# CCCD province codes for synthetic households: any but Lạng Sơn's 020, which the demo and the
# test factories use, so the 12-digit numbers never collide with theirs.
PROVINCE_CODES = [code for code in range(1, 97) if code != 20]
# Journal kinds, in the order entries of one loan and one day are posted.
KINDS = (
    "disbursement",
    "principal_repayment",
    "interest_payment",
    "write_off",
    "interest_write_off",
    "reversal",
    "overdue_transfer",
)
DISB, PRIN, INT, WO, IWO, REV, XFER = range(len(KINDS))
STATUSES = ["approved", "active", "frozen", "closed", "written_off"]
REASONS = ["disbursement", "extension"]
RATE_DIVISOR = 1_000_000  # rate_micro per unit (6.6% -> 66000)
