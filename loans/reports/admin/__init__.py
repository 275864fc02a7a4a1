"""The report pages of the admin: the province reports (province.py), the monthly
reconciliation, fee statement and discrepancies (reconciliation.py), and the collection list
13/TD (collection_list.py). Importing the package registers them (admin autodiscovery)."""

from . import province, reconciliation  # noqa: F401  (register the admins)
