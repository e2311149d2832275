"""The search box: loans, portfolios, agreements and deficiencies a user may see, by words.

A query is cut into terms at spaces, and each term into words (runs of letters and
digits). A row matches when every term matches it: as typed, anywhere inside a loan or
agreement number ("0010" and "RB-0010" find RB-0010), or when each of the term's words
starts a word of a borrower's name, a property address or city, or a portfolio's name
("whit" finds Whitaker, "o'brien" finds O'Brien; "aker" finds neither). Every group is
scoped by its model's `visible_to(user)` before it is searched, so nobody finds what they
may not open.

On PostgreSQL the word match is full-text search (the 'simple' configuration: names are
not stemmed, and each word is a prefix query); on other databases (SQLite) a regular
expression anchored at word starts finds the same rows. (One difference: PostgreSQL's
parser skips what looks like an HTML tag, which no name or address has.)
"""

import operator
import re
from dataclasses import dataclass
from functools import reduce

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When

from deficiencies.models import Deficiency
from noteinvest.lists import first_rows
from portfolios.models import Borrower, Loan, Portfolio
from settlements.models import Agreement

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_WORDS = 8
PER_GROUP = 20
WORD = re.compile(r"[^\W_]+")
EDGES = re.compile(r"^[\W_]+|[\W_]+$")

HINT = (
    "Type at least two characters: a loan number, a borrower's name, a property's address "
    "or city, an agreement number or a portfolio's name."
)


@dataclass(frozen=True)
class Term:
    text: str  # as typed (compared with numbers)
    words: tuple[str, ...]  # its letters and digits, lowercased (compared with words)


@dataclass(frozen=True)
class Query:
    text: str  # what was typed, control characters turned to spaces, for the box
    terms: tuple[Term, ...] = ()
    problem: str = ""  # why nothing was searched ("" once searched)

    @property
    def searched(self) -> bool:
        return not self.problem


def parse(raw: str) -> Query:
    """The words of `raw`, or why it cannot be searched (empty, too short, too long)."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())
    if len(text) > MAX_LENGTH:
        return Query(text[:MAX_LENGTH], problem=f"Search for at most {MAX_LENGTH} characters.")
    if len(text) < MIN_LENGTH:
        return Query(text, problem=HINT)
    terms = tuple(
        Term(EDGES.sub("", part), words)  # "RB-0010," is RB-0010
        for part in text.split(" ")
        if (words := tuple(w.lower() for w in WORD.findall(part)))
    )
    if not terms:
        return Query(text, problem="Type letters or digits to search for.")
    if sum(len(term.words) for term in terms) > MAX_WORDS:
        return Query(text, problem=f"Search for at most {MAX_WORDS} words.")
    return Query(text, terms)


@dataclass(frozen=True)
class Group:
    kind: str  # "loans", "portfolios", "agreements", "deficiencies"
    title: str
    rows: tuple
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def search(user, query: Query) -> tuple[Group, ...]:
    """The groups with at least one match, each its first PER_GROUP rows and its total.
    Two queries per group at most (rows, then a count only when there are more), and one
    for the loans' borrowers: the count does not grow with the rows found."""
    if not query.searched:
        return ()
    terms = query.terms
    loans = (
        Loan.objects.visible_to(user)
        .filter(_all(terms, _loan_matches))
        .select_related("portfolio")
        # In their order on the loan, without joining the loans again to sort them.
        .prefetch_related(Prefetch("borrowers", Borrower.objects.order_by("position", "pk")))
        .annotate(_exact=_exact(query.text, "loan_number"))
        .order_by("-_exact", "portfolio__name", "loan_number", "pk")
    )
    portfolios = (
        Portfolio.objects.visible_to(user)
        .filter(_all(terms, lambda t: _starts_words(t, "name")))
        .order_by("name")
    )
    agreements = (
        Agreement.objects.visible_to(user)
        .filter(_all(terms, _agreement_matches))
        .select_related("loan")
        .annotate(_exact=_exact(query.text, "number"))
        .order_by("-_exact", "-created_at", "-pk")
    )
    deficiencies = (
        Deficiency.objects.visible_to(user)
        .filter(_all(terms, _through_loan))
        .select_related("loan", "portfolio")
        .annotate(_exact=_exact(query.text, "loan__loan_number"))
        .order_by("-_exact", "portfolio__name", "loan__loan_number", "pk")
    )
    groups = (
        _group("loans", "Loans", loans),
        _group("agreements", "Settlement agreements", agreements),
        _group("deficiencies", "Deficiencies", deficiencies),
        _group("portfolios", "Portfolios", portfolios),
    )
    return tuple(g for g in groups if g.total)


def _group(kind: str, title: str, queryset) -> Group:
    rows, total = first_rows(queryset, PER_GROUP)
    return Group(kind, title, tuple(rows), total)


def _all(items, condition) -> Q:
    return reduce(operator.and_, (condition(item) for item in items))


def _exact(text: str, field: str) -> Case:
    """1 for the row whose number is exactly what was typed: it comes first."""
    return Case(
        When(**{f"{field}__iexact": text}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _loan_matches(term: Term) -> Q:
    return Q(loan_number__icontains=term.text) | _all(
        term.words,
        lambda word: (
            _starts_a_word(word, "property_address", "property_city")
            | _borrower_named(word, loan="pk")
        ),
    )


def _agreement_matches(term: Term) -> Q:
    return Q(number__icontains=term.text) | _through_loan(term)


def _through_loan(term: Term) -> Q:
    """An agreement's or a deficiency's loan: its number or a borrower's name."""
    return Q(loan__loan_number__icontains=term.text) | _all(
        term.words, lambda word: _borrower_named(word, loan="loan_id")
    )


def _borrower_named(word: str, *, loan: str) -> Q:
    borrowers = Borrower.objects.filter(loan=OuterRef(loan))
    return Q(Exists(borrowers.filter(_starts_a_word(word, "name"))))


def _starts_words(term: Term, *fields: str) -> Q:
    return _all(term.words, lambda word: _starts_a_word(word, *fields))


def _starts_a_word(word: str, *fields: str) -> Q:
    """Some word of one of `fields` starts with `word` (letters and digits only)."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact

        # `word` is letters and digits only (WORD), so it is safe in a raw tsquery.
        return Q(
            SearchVectorExact(
                SearchVector(*fields, config="simple"),
                SearchQuery(f"{word}:*", search_type="raw", config="simple"),
            )
        )
    pattern = rf"(^|[\W_]){re.escape(word)}"
    return reduce(operator.or_, (Q(**{f"{field}__iregex": pattern}) for field in fields))
