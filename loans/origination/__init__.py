"""Loan origination (issue 14): a household's application 01/TD, the group's vote 10/TD, the
commune's certification of the group's list 03/TD, and the office director's decision, whose
approval creates the loan through `loans.services.create_loan` (notice 04/TD)."""
