"""Province reports (DOMAIN.md §6) over the nightly snapshots and the journal.

The one home of every report, export and printed form (a Django app, label "reports"):

- the province reports: `builders.build_report(kind, params.ReportRequest(...))` returns a
  `result.Report` (rows, totals, JSON, export table), over `source` (snapshot or engine) and
  `dimensions` (the groupings); `charts` draws them for the admin;
- the monthly reconciliation per level (`reconciliation`) and its fee statement
  (`fee_statement`), read from the stored results of `loans.reconciliation`;
- the collection list 13/TD (`collection_list`);
- one export module (`exports`: every CSV and Excel file, each cell through `core.exports`)
  and the columns of the monthly forms (`columns`);
- the API (`api/`: one base view and one pair of file renderers) and the admin pages
  (`admin/`), thin layers on the above.

Ratios are fractions of 1 with 6 places everywhere (`core.money.ratio`): a JSON number in the
API, a percent-formatted number in Excel, a plain number in CSV, and "9,45 %" (Vietnamese) or
"9.45%" (English) on the pages (`core.money.format_percent`).

Decisions (what the figures mean):
- Portfolio and ageing as of D count the loans still owing at the end of D: the positions the
  nightly job snapshots (status not closed, written off or undisbursed). `borrowers` counts
  households once (a household with two loans in a group is one); in the totals, once overall,
  so the totals' `borrowers` may be below the sum of the rows'. `overdue_ratio` =
  overdue_principal / outstanding_principal, half-up to 6 places, 0 without outstanding.
  `frozen_principal` = outstanding of loans frozen (khoanh nợ) at D.
- Positions as of D come from the nightly snapshot of D when it still holds (see
  `source.snapshot_is_current`: a completed day, its rows not pruned, and nothing written since
  the run started that is value-dated on or before D for those offices: a back-dated posting or
  reversal, a schedule change, a freeze); otherwise the position engine computes them over the
  loans in chunks. Both give the same numbers (tests/reports). A report of a past day does not
  move when later-dated postings arrive: the engine reads only value dates <= D.
- Flows in [from, to] sum the journal by value date; a reversed entry and its reversal (which
  carries the original's value date) both drop out. New loans: first disbursed in the period.
  Closed loans: outstanding principal reached 0 by a repayment or a write-off in the period.
- Decree 28 is always per line (the four ND28 programmes, every line listed when grouped by
  programme alone, or per loan line on request): households reached = households with a
  disbursement in the period, split Kinh / ethnic minority; loans, households, outstanding and
  overdue at the end of the period.
- Groupings: `commune` is the current commune (the end of the successor chain of the point's
  commune), `former_commune` the point's commune before the 1 July 2025 merger; `association`
  the commune association managing the loan's group; ethnicity and household category are the
  household's as recorded now. The `association` filter takes any level (a district association
  covers its communes'), `commune` a current or a former commune.
- Scope: `ReportFilters.for_user` applies `borrowers.selectors.office_ids_for`; the callers look
  the filter objects up through the same selectors, so another office's object is not found.
"""
