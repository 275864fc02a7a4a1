"""Receipt numbers 01/BL: numbered per transaction point and year, without gaps between
committed sheets (the counter row is locked until the sheet's transaction ends)."""

from ..models import ReceiptCounter, Session


def take_numbers(session: Session, count: int) -> list[str]:
    """`count` new receipt numbers of the session's point and year, e.g. "DGD01/2025/000042"."""
    if count == 0:
        return []
    point, year = session.transaction_point, session.session_date.year
    ReceiptCounter.objects.get_or_create(transaction_point=point, year=year)
    counter = ReceiptCounter.objects.select_for_update().get(transaction_point=point, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [f"{point.code}/{year}/{n:06d}" for n in range(first, first + count)]
