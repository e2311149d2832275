"""On a 390 px phone the key column of the wide tables is on the screen: a loan's payoff, a
portfolio's total debt, a deficiency's outstanding balance; the page itself never scrolls
sideways."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.browser.test_login import log_in
from tests.factories import PASSWORD, make_loan, record_sale

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# Where the table's box ends, and where the named column's header and first cell end.
GEOMETRY = """(name) => {
  const table = [...document.querySelectorAll('table')].find(t =>
    [...t.querySelectorAll('thead th')].some(th => th.textContent.trim() === name));
  const box = table.closest('.table-responsive').getBoundingClientRect();
  const ths = [...table.querySelectorAll('thead th')];
  const i = ths.findIndex(th => th.textContent.trim() === name);
  const cell = table.querySelector('tbody tr').children[i];
  const first = table.querySelector('tbody tr').children[0].getBoundingClientRect();
  return {left: box.left, right: box.right, header: ths[i].getBoundingClientRect().right,
          cell: cell.getBoundingClientRect().right, firstLeft: first.left,
          page: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


@pytest.fixture
def wide(staff, portfolio):
    # Long loan numbers and seven-figure balances: the widest rows a real tape gives.
    for n in range(3):
        loan = make_loan(portfolio, f"10001234567{n}", upb=Decimal("1234567.89"))
        if n == 0:
            record_sale(loan, staff, price="100000.00")
    return portfolio


@pytest.mark.parametrize(
    ("url", "column"),
    [
        (lambda p: p.get_absolute_url(), "Payoff today"),
        (lambda p: reverse("portfolios:list"), "Total debt today"),
        (lambda p: reverse("deficiencies:portfolio", args=[p.pk]), "Outstanding"),
    ],
)
def test_the_key_column_is_on_a_phone_screen(browser, live_server, staff, wide, url, column):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, staff.email, PASSWORD)  # staff see owners' e-mails too
    page.goto(live_server.url + url(wide))
    box = page.evaluate(GEOMETRY, column)
    assert box["page"] == box["viewport"] == 390, box  # the page never scrolls sideways
    assert box["header"] <= box["right"] + 1 and box["cell"] <= box["right"] + 1, box
    assert box["firstLeft"] >= box["left"] - 1, box  # and the row's name is in view
    context.close()
