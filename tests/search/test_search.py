"""The search box: what it finds, for whom, and what it does with odd input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from portfolios.models import Borrower
from search import services
from tests.factories import agreement_in_review, make_loan, record_sale, signed_agreement

URL = reverse("search:results")


def loan_with(portfolio, number, *names, **extra):
    loan = make_loan(portfolio, number, **extra)
    loan.borrowers.all().delete()
    for position, name in enumerate(names, 1):
        Borrower.objects.create(loan=loan, position=position, name=name)
    return loan


@pytest.fixture
def whitakers(portfolio, other_portfolio):
    """A Whitaker on the owner's side and another on the other investor's."""
    own = loan_with(portfolio, "OWN-0042", "Margaret Whitaker", "Paul Whitaker",
                    property_address="77 Juniper Lane", property_city="Schenectady")  # fmt: skip
    theirs = loan_with(other_portfolio, "THEIRS-0042", "Thomas Whitaker",
                       property_address="9 Juniper Lane", property_city="Schenectady")  # fmt: skip
    return own, theirs


def groups_of(response) -> dict[str, list]:
    return {g.kind: list(g.rows) for g in response.context["groups"]}


def found(client, q: str) -> dict[str, list]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return groups_of(response)


# --- what it finds ----------------------------------------------------------------------


def test_finds_a_borrower_by_last_name(client, owner, whitakers):
    own, _ = whitakers
    client.force_login(owner)
    response = client.get(URL, {"q": "Whitaker"})
    assert groups_of(response) == {"loans": [own]}
    text = response.content.decode()
    assert "Loan OWN-0042" in text and "Margaret Whitaker; Paul Whitaker" in text


@pytest.mark.parametrize("q", ["whitaker", "WHITAKER", "Whit", "margaret whitaker", "Whitaker, M"])
def test_a_name_is_found_by_the_start_of_its_words_in_any_case(client, owner, whitakers, q):
    client.force_login(owner)
    assert found(client, q) == {"loans": [whitakers[0]]}


@pytest.mark.parametrize("q", ["aker", "Margaret Smith", "Whitakers"])
def test_every_word_must_start_a_word_somewhere(client, owner, whitakers, q):
    # The same rule on PostgreSQL (full-text prefix queries) and SQLite (word-start regex).
    client.force_login(owner)
    assert found(client, q) == {}


@pytest.mark.parametrize(
    "q", ["OWN-0042", "own-0042", "0042", "N-004", "77 Juniper", "juniper lane", "Schenectady"]
)
def test_a_loan_is_found_by_number_anywhere_and_by_address_or_city(client, owner, whitakers, q):
    client.force_login(owner)
    assert found(client, q) == {"loans": [whitakers[0]]}


def test_a_word_may_match_one_field_and_the_next_word_another(client, owner, whitakers):
    client.force_login(owner)
    assert found(client, "Margaret Schenectady 0042") == {"loans": [whitakers[0]]}


def test_the_loan_numbered_exactly_as_typed_comes_first(client, staff, portfolio):
    for number in ("A-100", "A-1000", "B-100", "A-10"):
        loan_with(portfolio, number, "Ann Lee")
    client.force_login(staff)
    loans = found(client, "A-10")["loans"]
    assert [loan.loan_number for loan in loans] == ["A-10", "A-100", "A-1000"]


def test_a_portfolio_is_found_by_a_word_of_its_name(client, owner, portfolio, other_portfolio):
    client.force_login(owner)
    assert found(client, "owner's pool") == {"portfolios": [portfolio]}
    assert found(client, "pool") == {"portfolios": [portfolio]}  # never "Other's Pool"


def test_staff_find_everyone_s(client, staff, whitakers):
    client.force_login(staff)
    own, theirs = whitakers  # in the order of their portfolios' names
    assert found(client, "Whitaker") == {"loans": [theirs, own]}


# --- never another investor's -----------------------------------------------------------


@pytest.fixture
def settled(staff, attorney, whitakers):
    """Both Whitaker loans liquidated and settled by a signed DPO."""
    own, theirs = whitakers
    for loan in (own, theirs):
        record_sale(loan, staff)
    return signed_agreement(own, staff, attorney), signed_agreement(theirs, staff, attorney)


def test_an_investor_finds_their_agreement_and_deficiency_never_the_other_investors(
    client, owner, whitakers, settled
):
    own, theirs = whitakers
    mine, other = settled
    client.force_login(owner)
    groups = found(client, "Whitaker")
    assert groups == {"loans": [own], "agreements": [mine], "deficiencies": [own.deficiency]}
    for q in (other.number, theirs.loan_number, "Thomas", "9 Juniper", "Other's pool"):
        assert found(client, q) == {}, q
    text = client.get(URL, {"q": "Whitaker"}).content.decode()
    for hidden in (theirs, other, theirs.deficiency, theirs.portfolio):
        assert f'href="{hidden.get_absolute_url()}"' not in text
    for hidden in ("Thomas", theirs.loan_number, other.number, theirs.portfolio.name):
        assert escape(hidden) not in text
    assert found(client, mine.number) == {"agreements": [mine]}


def test_an_attorney_finds_only_what_is_in_review_with_them(client, staff, attorney, whitakers):
    own, theirs = whitakers
    record_sale(own, staff)
    review = agreement_in_review(own, staff, attorney)
    client.force_login(attorney)
    groups = found(client, "Whitaker")
    # The loan and the agreement in review with them (and its deficiency); not the other
    # Whitaker's loan, and no portfolio (attorneys see none).
    assert groups == {"loans": [own], "agreements": [review], "deficiencies": [own.deficiency]}


def test_a_user_without_a_role_finds_nothing(client, whitakers, django_user_model):
    client.force_login(django_user_model.objects.create_user("norole@example.com", "x-pass-1"))
    assert found(client, "Whitaker") == {}


# --- how much it shows and costs --------------------------------------------------------


def test_a_group_shows_its_first_twenty_and_counts_the_rest(client, staff, portfolio):
    for i in range(25):
        loan_with(portfolio, f"M-{i:03}", f"Ann Many{i}")
    client.force_login(staff)
    response = client.get(URL, {"q": "many"})
    (group,) = response.context["groups"]
    assert (len(group.rows), group.total, group.more) == (20, 25, 5)
    assert "25 found; the first 20 are shown" in response.content.decode()


def _queries(client, q) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"q": q}).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_results(client, staff, attorney, portfolio):
    client.force_login(staff)
    loans = [loan_with(portfolio, f"Q-{i:03}", f"Quinn Query{i}", "Co Query") for i in range(3)]
    record_sale(loans[0], staff)
    agreement_in_review(loans[0], staff, attorney)
    few = _queries(client, "query")
    for i in range(3, 60):
        loan = loan_with(portfolio, f"Q-{i:03}", f"Quinn Query{i}", "Co Query")
        if i < 30:
            record_sale(loan, staff)
    many = _queries(client, "query")
    # Over the limit, each group adds one count; nothing grows with the rows shown.
    assert many <= few + 2
    more = [loan_with(portfolio, f"Q-{i:03}", f"Quinn Query{i}") for i in range(60, 90)]
    assert more and _queries(client, "query") == many


# --- odd input --------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   ", "W", " w "])
def test_an_empty_or_one_character_query_shows_the_hint_and_no_rows(client, staff, whitakers, q):
    client.force_login(staff)
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response.context["groups"] == ()
    assert "Type at least two characters" in response.content.decode()


def test_the_page_without_a_query_shows_the_hint(client, staff, whitakers):
    client.force_login(staff)
    response = client.get(URL)
    assert response.context["groups"] == ()
    assert escape(services.HINT) in response.content.decode()


def test_a_long_query_is_refused_with_a_message(client, staff, whitakers):
    client.force_login(staff)
    response = client.get(URL, {"q": "Whitaker " * 111})  # 999 characters
    assert response.status_code == 200
    assert response.context["groups"] == ()
    assert "Search for at most 100 characters." in response.content.decode()


def test_too_many_words_are_refused_with_a_message(client, staff, whitakers):
    client.force_login(staff)
    response = client.get(URL, {"q": "a b c d e f g h i"})
    assert response.context["groups"] == ()
    assert "Search for at most 8 words." in response.content.decode()


def test_punctuation_alone_is_not_searched(client, staff, whitakers):
    client.force_login(staff)
    response = client.get(URL, {"q": "%_%'\"--"})
    assert response.context["groups"] == ()
    assert "Type letters or digits" in response.content.decode()


def test_control_characters_separate_words(client, owner, whitakers):
    client.force_login(owner)
    response = client.get(URL, {"q": "\tWhitaker\x0b\u202e\x7f margaret\u2028"})
    assert groups_of(response) == {"loans": [whitakers[0]]}
    assert response.context["query"].text == "Whitaker margaret"


def test_a_nul_byte_is_refused(client, owner, whitakers):
    client.force_login(owner)
    assert client.get(URL, {"q": "Whit\x00aker"}).status_code == 400


def test_like_wildcards_are_plain_characters(client, staff, portfolio):
    make_loan(portfolio, "P%1")
    make_loan(portfolio, "PX1")
    client.force_login(staff)
    # "%" is not a word character: "P%1" searches "p" and "1" (both loans contain them).
    assert len(found(client, "P%1")["loans"]) == 2
    assert [loan.loan_number for loan in found(client, "P%1")["loans"]][0] == "P%1"


def test_what_was_typed_and_what_was_found_are_escaped(client, staff, portfolio):
    loan_with(portfolio, "X-1", "Whitaker <img src=x onerror=alert(1)>")
    client.force_login(staff)
    response = client.get(URL, {"q": "Whitaker"})
    text = response.content.decode()
    assert groups_of(response)["loans"]
    assert "<img src=x" not in text and "Whitaker &lt;img src=x onerror=alert(1)&gt;" in text
    text = client.get(URL, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL, {"q": "Whitaker"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the box in the navigation ----------------------------------------------------------


def test_every_page_has_the_search_box_and_results_keep_the_query(client, owner, whitakers):
    client.force_login(owner)
    home = client.get(reverse("home")).content.decode()
    assert 'role="search"' in home and f'action="{URL}"' in home
    assert '<label for="nav-search" class="visually-hidden">' in home
    results = client.get(URL, {"q": "Whitaker"}).content.decode()
    assert 'id="nav-search"' in results and 'value="Whitaker"' in results


def test_parse_cuts_terms_at_spaces_and_words_at_punctuation():
    query = services.parse("  O'Brien   (RB-0010), ")
    assert query.text == "O'Brien (RB-0010),"
    assert query.terms == (
        services.Term("O'Brien", ("o", "brien")),
        services.Term("RB-0010", ("rb", "0010")),
    )
    assert query.searched
