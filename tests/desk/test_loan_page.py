"""The loan page: the actions in a toolbar in the page's flow (not floated over the contract
number) and the position at the top of the form (above the fold at 1366×768: tests/browser)."""

from .conftest import browser


def test_the_loan_page_has_its_toolbar_and_the_position_first(book, cast):
    loan = book.loans["overdue"]
    page = browser(cast.alice).get(f"/admin/loans/loan/{loan.pk}/change/").content.decode()
    assert 'class="object-tools loan-toolbar"' in page
    assert "vbsp/loan.css" in page
    toolbar = page.index("loan-toolbar")
    position = page.index('class="loan-position"')
    terms = page.index("Điều kiện vay")
    assert toolbar < position < terms
    assert ">Thu nợ</a>" in page[toolbar:position]  # a posting action, in the toolbar
