"""One block of households and loans with their whole history, drawn as column arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db import connection, models

from .catalogue import Catalogue
from .journal import Journal
from .organisation import Organisation
from .payments import Payments
from .people import People
from .schedules import Schedules


@dataclass
class Ids:
    """Next free id of each table (ranges allocated up front, one block after another)."""

    next: dict[str, int] = field(default_factory=dict)

    @classmethod
    def allocate(cls, tables: list[type[models.Model]]) -> Ids:
        with connection.cursor() as cursor:
            result = {}
            for model in tables:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
                result[model._meta.db_table] = cursor.fetchone()[0] + 1
        return cls(result)

    def take(self, model: type[models.Model], count: int) -> np.ndarray:
        table = model._meta.db_table
        first = self.next[table]
        self.next[table] = first + count
        return np.arange(first, first + count, dtype=np.int64)


@dataclass
class Context:
    """What every block of one run shares."""

    catalogue: Catalogue
    org: Organisation
    until: int  # the last day of history (day number)
    ids: Ids
    now: object  # created_at of every row


class Block(People, Schedules, Payments, Journal):
    """Draws one block of households and loans with their whole history, as column arrays;
    `tables` holds each model's rows (count, column -> values) for `encoding.encode_rows`.

    The stages run in this order, each reading what the ones before it drew (see each
    module's docstring): people, schedules, payments, journal."""

    def __init__(
        self, ctx: Context, rng: np.random.Generator, n: int, *, households: int | None = None
    ) -> None:
        # `households`: draw that many households, their loans making up `n` (set by the
        # people stage); otherwise `n` loans, their households as many as they come to.
        self.ctx, self.rng, self.n, self.households = ctx, rng, n, households
        self.tables: dict[type[models.Model], tuple[int, dict]] = {}
        self._households()
        self._loans()
        self._schedules()
        self._behaviour()
        self._principal_payments()
        self._interest_payments()
        self._exceptions()
        self._journal()
        self._loan_rows()
