"""Every input limit of the settlement agreements in one place; the forms and the services
use these, and docs/input-limits/settlements.md lists them with the reason for each."""

from datetime import timedelta

from noteinvest.dates import RECENT_PAST, DateRange, around_today, today, years_from

# Free text (characters).
MAX_HOLDER_ADDRESS = 500
# The parties as they sign: a name as printed on the signature line, a notice address.
MAX_SIGNING_NAME = 200
MAX_NOTICE_ADDRESS = 500
MAX_SIGNATORY_TITLE = 100
MAX_INSTRUCTIONS = 2_000
MAX_COMMENT = 5_000
MAX_NOTE = 2_000
MAX_HARDSHIP = 1_000
# Riders staff add to one agreement: each a title and its text; at most this many.
MAX_RIDER_TITLE = 120
MAX_RIDER_BODY = 5_000
MAX_RIDERS = 10
# Installments of one DPO: ten years of monthly payments.
MAX_INSTALLMENTS = 120
# Periods written into the agreement (days): (least, most).
LIEN_RELEASE_DAYS = (1, 90)
CURE_DAYS = (1, 90)
OFFER_FORWARD_DAYS = (1, 30)

# Dates.
AGREEMENT_DATE = around_today(1, 1)
"""The agreement's date: within a year of today, either way."""
TERM_DATE = DateRange(
    earliest=lambda: today() + timedelta(days=1),
    latest=lambda: years_from(today(), 10),
    earliest_text="tomorrow",
    latest_text="10 years from today",
)
"""A date the borrower must meet: the offer's expiry, the lump sum, an installment, the
listing and closing deadlines."""
PAYMENT_RECEIVED = RECENT_PAST
"""A payment received: not in the future (and not before the agreement's date)."""

# A short-sale approval (issue 12): the approved buyer(s) on one line, the junior lienholders
# one per line, the senior lienholder's approval reference; the brokers' commission cap as a
# percentage of the contract price.
MAX_BUYER_NAMES = 300
MAX_JUNIOR_LIENHOLDERS = 1_000
MAX_JUNIOR_LIENHOLDER_LINES = 10
MAX_APPROVAL_REFERENCE = 100
COMMISSION_PERCENT = (0, 10)
CONTRACT_DATE = around_today(1, 1)
"""The purchase contract's date: within a year of today, either way, and not after the
closing deadline."""
PAST_YEAR = DateRange(
    earliest=lambda: years_from(today(), -1),
    latest=today,
    earliest_text="a year ago",
    latest_text="today",
)
"""Something already written: an estimated closing statement, the senior lienholder's approval."""
FORECLOSURE_SALE_DATE = DateRange(
    earliest=today,
    latest=lambda: years_from(today(), 2),
    earliest_text="today",
    latest_text="2 years from today",
)
"""A scheduled foreclosure sale: today to two years from today."""
