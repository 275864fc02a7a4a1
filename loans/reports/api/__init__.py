"""The report endpoints under /api/v1/: the province reports (province.py), the reconciliation,
its fee statement and the collection list 13/TD (reconciliation.py), on one base (base.py)."""

from . import province, reconciliation

urlpatterns = [*province.urlpatterns, *reconciliation.urlpatterns]
