"""Site-wide input rules: NUL bytes refused, private responses not cached, money and date
fields parsed one way, control characters refused, spreadsheet formulas neutralized."""

import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.http import Http404

from noteinvest.dates import EARLIEST, LATEST, DateRange, around_today, past_years, today
from noteinvest.forms import BoundedDateField, HygienicFormMixin
from noteinvest.log import OneLineRefusals
from noteinvest.text import single_line, spreadsheet_safe


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/deficiencies/calendar/%00.ics", "/portfolios/?state=%00", "/accounts/login/?next=%00"],
)
def test_nul_in_path_or_query_is_bad_input_even_anonymously(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert b"NUL character" in response.content


@pytest.mark.django_db
def test_nul_in_a_posted_field_is_bad_input(client):
    response = client.post("/accounts/login/", {"username": "a\x00@example.com", "password": "x"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_pages_are_private_and_never_stored(client, owner):
    client.force_login(owner)
    for url in ["/", "/accounts/login/", "/no-such-page/"]:
        response = client.get(url)
        cache_control = response.headers["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url


class _MoneyForm(HygienicFormMixin, forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    name = forms.CharField()
    note = forms.CharField(widget=forms.Textarea, required=False)


@pytest.mark.parametrize(
    ("typed", "expected"), [("1,000.00", "1000.00"), ("$250,000", "250000.00"), ("7", "7.00")]
)
def test_money_fields_accept_the_tape_spelling(typed, expected):
    form = _MoneyForm({"amount": typed, "name": "Ann"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal(expected)


@pytest.mark.parametrize("typed", ["1_000", "１０００", "١٠٠٠", "1e3", ".5", "-5", "12.345"])
def test_money_fields_refuse_other_spellings_and_keep_what_was_typed(typed):
    form = _MoneyForm({"amount": typed, "name": "Ann"})
    assert not form.is_valid()
    assert "amount" in form.errors
    assert f'value="{typed}"' in str(form["amount"])


def test_text_fields_refuse_control_characters_but_textareas_keep_line_breaks():
    form = _MoneyForm({"amount": "1", "name": "Ann\x1b[31m", "note": "line one\r\nline two"})
    assert not form.is_valid()
    assert list(form.errors) == ["name"]
    with pytest.raises(forms.ValidationError):
        single_line("LN-1\r\nSUMMARY:evil")


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), EARLIEST - timedelta(1)])
def test_bounded_dates_refuse_implausible_years(day):
    field = BoundedDateField(date_range=past_years(30))
    with pytest.raises(forms.ValidationError, match="between 30 years ago and today"):
        field.clean(day.isoformat())


def test_bounded_dates_accept_the_edges_and_tell_the_browser():
    rng = around_today(1, 2)
    field = BoundedDateField(date_range=rng)
    low, high = rng.bounds()
    assert field.clean(low.isoformat()) == low
    assert field.clean(high.isoformat()) == high
    with pytest.raises(forms.ValidationError):
        field.clean((high + timedelta(1)).isoformat())
    assert field.widget_attrs(field.widget)["max"] == high.isoformat()


def test_every_range_stays_inside_what_the_app_computes_with():
    assert DateRange().bounds() == (EARLIEST, LATEST)
    assert DateRange(earliest=date(1, 1, 1), latest=date(9999, 1, 1)).bounds() == (EARLIEST, LATEST)
    assert past_years(5).bounds()[1] == today()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Smith, Ann", "Smith, Ann"),
        (Decimal("-5.00"), Decimal("-5.00")),
    ],
)
def test_spreadsheet_safe_neutralizes_formula_cells(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_refusals_are_logged_as_one_line():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/x",),
        (Http404, Http404("x"), None),
    )
    record.status_code = 404
    assert OneLineRefusals().filter(record)
    assert record.exc_info is None
    server_error = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "boom",
        (),
        (ValueError, ValueError("x"), None),
    )
    server_error.status_code = 500
    OneLineRefusals().filter(server_error)
    assert server_error.exc_info is not None


def test_date_picker_bounds_are_worked_out_per_form_not_once(monkeypatch):
    import noteinvest.dates as dates

    class _Form(forms.Form):
        day = BoundedDateField(date_range=past_years(1))

    assert _Form()["day"].field.widget.attrs["max"] == today().isoformat()
    monkeypatch.setattr(dates, "today", lambda: date(2030, 6, 1))
    assert _Form()["day"].field.widget.attrs["max"] == "2030-06-01"


# --- control characters in headers and cookies (round 2, finding C) --------------------------

BAD_HEADERS = [
    {"HTTP_USER_AGENT": "a\x00b"},
    {"HTTP_ACCEPT": "text/html\x00x"},
    {"HTTP_COOKIE": "sessionid=abcdefgh\x00ijkl"},
    {"HTTP_X_ANYTHING": "line\x01break"},
    {"HTTP_REFERER": "http://testserver/\r\nx"},
]


def _no_queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return CaptureQueriesContext(connection)


@pytest.mark.django_db
@pytest.mark.parametrize("headers", BAD_HEADERS, ids=lambda h: next(iter(h)))
def test_control_character_in_a_header_is_refused_before_the_lockout(client, owner, headers):
    from axes.models import AccessAttempt

    with _no_queries() as queries:
        response = client.post(
            "/accounts/login/", {"username": "owner@example.com", "password": "wrong"}, **headers
        )
    assert response.status_code == 400
    assert "control character in a header" in response.text
    assert len(queries) == 0  # no session read, no axes look-up or record
    assert not AccessAttempt.objects.exists()
    assert "csrftoken" not in response.cookies  # the same answer for any password


@pytest.mark.django_db
def test_right_and_wrong_password_get_the_same_400(client, owner):
    from tests.factories import PASSWORD

    answers = [
        client.post(
            "/accounts/login/",
            {"username": "owner@example.com", "password": password},
            HTTP_USER_AGENT="a\x00b",
        )
        for password in (PASSWORD, "wrong")
    ]
    assert [r.status_code for r in answers] == [400, 400]
    assert answers[0].content == answers[1].content
    assert [dict(r.cookies) for r in answers] == [{}, {}]


@pytest.mark.django_db
def test_nul_in_the_session_cookie_never_reaches_the_session_store(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"  # sent quoted: "abcdefgh\000ijkl"
    assert "\\000" in client.cookies["sessionid"].coded_value
    with _no_queries() as queries:
        response = client.get("/")
    assert response.status_code == 400
    assert len(queries) == 0


@pytest.mark.django_db
def test_the_400_page_needs_no_session_or_user_and_is_never_stored(client, owner):
    client.force_login(owner)
    with _no_queries() as queries:
        response = client.get("/", HTTP_USER_AGENT="a\x00b")
    assert response.status_code == 400
    assert len(queries) == 0
    assert "That request cannot be used" in response.text
    assert "Log out" not in response.text  # no user is looked up for this page
    cache_control = response.headers["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    # The NUL in a query string gets the same private 400 page.
    response = client.get("/?q=%00")
    assert response.status_code == 400
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_a_tab_in_a_header_is_allowed(client):
    assert client.get("/accounts/login/", HTTP_USER_AGENT="Agent\twith tab").status_code == 200


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u200f", "\u2066", "\u2069"])
def test_text_direction_overrides_are_refused_like_control_characters(mark):
    """An RLO (U+202E) makes "RLO-TEXT" print as "TXET-OLR" in a PDF while the form shows it
    right: invisible, so refused everywhere control characters are."""
    from noteinvest.text import has_control_characters

    assert has_control_characters(f"Ann {mark}Lee")
    assert has_control_characters(f"Line one\n{mark}two", allow_breaks=True)
    assert not has_control_characters("Ann Lee\nJosé Núñez — § 2941", allow_breaks=True)
