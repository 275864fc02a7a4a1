"""Reads of loans: office scoping, and the inputs of the position engine loaded set-wise."""

from collections.abc import Iterator
from datetime import date

import pandas as pd
from django.conf import settings
from django.db.models import Max, QuerySet
from django.http import Http404

from borrowers.selectors import User, scope
from programmes.models import InterestRate

from . import positions as engine
from .models import Instalment, Loan, LoanFreeze, LoanTransaction, ScheduleVersion

MONEY_KINDS = [
    "disbursement",
    "principal_repayment",
    "interest_payment",
    "write_off",
    "interest_write_off",
]


def loans_for(user: User) -> QuerySet[Loan]:
    """Every loan the user may see (their offices; all for branch level)."""
    return scope(
        Loan.objects.select_related("borrower", "programme", "office", "savings_group"), user
    )


def get_loan_for(user: User, pk: int) -> Loan:
    """One loan the user may see, or 404 (another office's loan does not exist for them)."""
    try:
        return loans_for(user).get(pk=pk)
    except (Loan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Không tìm thấy khoản vay.") from exc


def schedule_in_force(loan: Loan, on: date) -> list[Instalment]:
    """The instalments of the schedule version in force at `on` (the latest one otherwise)."""
    versions = loan.schedule_versions.order_by("-number")
    version = versions.filter(effective_from__lte=on).first() or versions.first()
    if version is None:
        return []
    return list(version.instalments.order_by("seq"))


def id_chunks(loans: QuerySet[Loan], chunk_size: int) -> Iterator[tuple[int, int]]:
    """Contiguous (first_id, last_id) ranges of at most chunk_size loans of the queryset."""
    ids = list(loans.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), chunk_size):
        part = ids[start : start + chunk_size]
        yield part[0], part[-1]


def load_engine_inputs(loans: QuerySet[Loan], *, as_of: date) -> dict[str, pd.DataFrame]:
    """The frames the position engine takes, for every loan of `loans`, in a few queries."""
    loan_rows = pd.DataFrame.from_records(
        loans.values_list(
            "id",
            "first_disbursed_on",
            "due_day",
            "programme__day_count",
            "contract_rate",
            "programme_id",
            "borrower__household_category",
        ),
        columns=[
            "loan_id",
            "first_disbursed_on",
            "due_day",
            "day_count",
            "contract_rate",
            "programme_id",
            "category",
        ],
    )
    loan_ids = loans.values("id")
    return {
        "loans": loan_rows[["loan_id", "first_disbursed_on", "due_day", "day_count"]],
        "instalments": _instalments_in_force(loan_ids, as_of),
        "transactions": _money_transactions(loan_ids, as_of),
        "rates": _rate_timelines(loan_rows),
        "freezes": pd.DataFrame.from_records(
            LoanFreeze.objects.filter(loan_id__in=loan_ids, start__lte=as_of).values_list(
                "loan_id", "start", "end"
            ),
            columns=["loan_id", "start", "end"],
        ),
    }


def _instalments_in_force(loan_ids: QuerySet, as_of: date) -> pd.DataFrame:
    latest = (
        ScheduleVersion.objects.filter(loan_id__in=loan_ids, effective_from__lte=as_of)
        .values("loan_id")
        .annotate(number=Max("number"))
    )
    versions = pd.DataFrame.from_records(
        latest.values_list("loan_id", "number"), columns=["loan_id", "number"]
    )
    rows = pd.DataFrame.from_records(
        Instalment.objects.filter(loan_id__in=loan_ids, due_date__isnull=False).values_list(
            "loan_id", "version__number", "due_date", "principal"
        ),
        columns=["loan_id", "number", "due_date", "principal"],
    )
    rows = rows.merge(versions, on=["loan_id", "number"], how="inner")
    return rows[["loan_id", "due_date", "principal"]]


def _money_transactions(loan_ids: QuerySet, as_of: date) -> pd.DataFrame:
    """Journal rows that move money; a reversal becomes a negative row of the original kind."""
    frame = pd.DataFrame.from_records(
        LoanTransaction.objects.filter(
            loan_id__in=loan_ids,
            value_date__lte=as_of,
            kind__in=[*MONEY_KINDS, "reversal"],
        ).values_list("loan_id", "value_date", "kind", "amount", "reverses__kind"),
        columns=["loan_id", "value_date", "kind", "amount", "reversed_kind"],
    )
    is_reversal = frame["kind"] == "reversal"
    frame.loc[is_reversal, "kind"] = frame.loc[is_reversal, "reversed_kind"]
    frame.loc[is_reversal, "amount"] = -frame.loc[is_reversal, "amount"]
    frame = frame[frame["kind"].isin(MONEY_KINDS)]
    return frame[["loan_id", "value_date", "kind", "amount"]].astype({"amount": "int64"})


def _rate_timelines(loan_rows: pd.DataFrame) -> pd.DataFrame:
    """Each loan's rate from its first disbursement, plus later changes flagged "applies to
    outstanding loans"."""
    disbursed = loan_rows[loan_rows["contract_rate"].notna()]
    base = pd.DataFrame(
        {
            "loan_id": disbursed["loan_id"],
            "effective_from": disbursed["first_disbursed_on"],
            "rate_micro": [int(rate * 10000) for rate in disbursed["contract_rate"]],
        }
    )
    changes = pd.DataFrame.from_records(
        InterestRate.objects.filter(
            applies_to_outstanding=True,
            programme_id__in=disbursed["programme_id"].unique().tolist(),
        ).values_list("programme_id", "household_category", "effective_from", "annual_rate"),
        columns=["programme_id", "category", "effective_from", "annual_rate"],
    )
    if changes.empty:
        return base
    merged = disbursed[["loan_id", "programme_id", "category", "first_disbursed_on"]].merge(
        changes, on="programme_id", suffixes=("", "_rate")
    )
    applies = (merged["category_rate"] == "") | (merged["category_rate"] == merged["category"])
    merged = merged[applies & (merged["effective_from"] > merged["first_disbursed_on"])]
    later = pd.DataFrame(
        {
            "loan_id": merged["loan_id"],
            "effective_from": merged["effective_from"],
            "rate_micro": [int(rate * 10000) for rate in merged["annual_rate"]],
        }
    )
    return pd.concat([base, later], ignore_index=True)


def iter_positions(
    loans: QuerySet[Loan], *, as_of: date, chunk_size: int | None = None
) -> Iterator[pd.DataFrame]:
    """Positions as of end of `as_of` for every loan of the queryset, one frame per id chunk."""
    for first_id, last_id in id_chunks(loans, chunk_size or settings.POSITION_CHUNK_SIZE):
        chunk = loans.filter(id__gte=first_id, id__lte=last_id)
        yield engine.compute_positions(
            as_of=as_of,
            bucket_bounds=tuple(settings.AGEING_BUCKET_BOUNDS),
            overdue_rate_percent=settings.OVERDUE_RATE_PERCENT,
            **load_engine_inputs(chunk, as_of=as_of),
        )


def positions(loans: QuerySet[Loan], *, as_of: date) -> pd.DataFrame:
    """All positions in one frame (for small sets: a loan, a group, a report's filter)."""
    frames = list(iter_positions(loans, as_of=as_of))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def position_of(loan: Loan, *, as_of: date) -> dict:
    """One loan's position, by the same engine the nightly job uses."""
    frame = positions(Loan.objects.filter(pk=loan.pk), as_of=as_of)
    row = frame.iloc[0].to_dict()
    return {key: (value.item() if hasattr(value, "item") else value) for key, value in row.items()}
