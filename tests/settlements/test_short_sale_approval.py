"""A real short-sale approval (issue 12): the buyer, the price and the contract, the holder's
approval of the final closing statement and the caps on costs, junior liens for a senior
holder or the senior's approval for a junior one, the arm's-length affidavit and a scheduled
foreclosure sale; the terms step, the frozen terms, the checks and the clauses' fields."""

import io
import re
import tomllib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from settlements import library, sale_fields, services
from settlements.models import Agreement
from settlements.terms import terms_for
from settlements.wording import long_date
from tests.factories import make_loan

pytestmark = pytest.mark.django_db
D = Decimal
CLAUSES = Path(sale_fields.__file__).parent / "data" / "clauses" / "short_sale.toml"


def today():
    return timezone.localdate()


def days(n: int) -> str:
    return str(today() + timedelta(days=n))


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def senior(loan, staff):
    """A first lien's short sale (the holder is the senior lender)."""
    return services.start_draft(loan=loan, kind="short_sale", by=staff)


@pytest.fixture
def junior(portfolio, staff):
    loan = make_loan(portfolio, "JR-9", lien_position=2)
    return services.start_draft(loan=loan, kind="short_sale", by=staff)


def terms_data(agreement, **changes) -> dict:
    """A valid terms step for `agreement`: $150,000 net on a $172,000 contract, 6% (capped at
    $9,000) commission, $5,000 closing costs, $2,500 relocation (and, for a senior holder,
    $4,000 to two junior lienholders): 150,000 + 9,000 + 5,000 + 4,000 + 2,500 = 170,500."""
    data = {
        "version": agreement.version, "minimum_net_proceeds": "150,000.00",
        "listing_signed_by": days(14), "offer_forward_days": "3", "closing_deadline": days(120),
        "relocation_amount": "2,500.00", "offer_expires_on": days(30),
        "buyer_names": "Ann Lee and Bo Lee", "contract_price": "172,000.00",
        "contract_date": days(-3), "arms_length_affidavit": "on",
        "estimated_statement_on": days(-1), "commission_cap_percent": "6.000",
        "commission_cap_amount": "9,000.00", "closing_costs_cap": "5,000.00",
        "foreclosure": "postponed", "foreclosure_sale_on": days(40),
    }  # fmt: skip
    if (agreement.loan.lien_position or 1) >= 2:
        data.update(
            senior_lienholder="First Bank, N.A.", senior_approval_on=days(-2),
            senior_approval_reference="SS-4411",
        )  # fmt: skip
    else:
        data.update(
            junior_lienholders="Second Street Credit Union\n\n  Acme HOA  \n",
            junior_liens_cap="4,000.00",
        )
    data.update(changes)
    return data


def post_terms(client, agreement, **changes):
    url = reverse("settlements:edit", args=[agreement.pk, "terms"])
    return client.post(url, terms_data(agreement, **changes))


# --- the terms step -----------------------------------------------------------------------------


def legends(response) -> list[str]:
    return re.findall(r"<legend class=\"h6\">([^<]+)</legend>", response.content.decode())


def test_the_terms_step_groups_the_fields_per_the_loans_lien_position(staff_client, senior, junior):
    url = reverse("settlements:edit", args=[senior.pk, "terms"])
    assert legends(staff_client.get(url)) == [
        "The sale", "Buyer and contract", "Costs and caps", "Junior liens", "Foreclosure",
    ]  # fmt: skip
    url = reverse("settlements:edit", args=[junior.pk, "terms"])
    response = staff_client.get(url)
    assert legends(response) == [
        "The sale", "Buyer and contract", "Costs and caps", "Senior lien", "Foreclosure",
    ]  # fmt: skip
    form = response.context["form"]
    assert "junior_liens_cap" not in form.fields and "senior_approval_on" in form.fields
    # Help beside the fields; the affidavit is asked for unless turned off.
    assert "Any change of buyer or price later voids the approval" in response.content.decode()
    assert form["arms_length_affidavit"].value() is True


def test_the_terms_step_saves_the_approval(staff_client, senior, junior):
    assert post_terms(staff_client, senior).status_code == 302
    a = Agreement.objects.get(pk=senior.pk)
    assert a.buyer_names == "Ann Lee and Bo Lee" and a.contract_price == D("172000.00")
    assert a.contract_date == today() - timedelta(days=3)
    assert a.commission_cap_percent == D("6.000") and a.commission_cap_amount == D("9000.00")
    assert a.closing_costs_cap == D("5000.00") and a.junior_liens_cap == D("4000.00")
    assert a.foreclosure == "postponed" and a.foreclosure_sale_on == today() + timedelta(days=40)
    assert a.arms_length_affidavit is True
    assert post_terms(staff_client, junior).status_code == 302
    j = Agreement.objects.get(pk=junior.pk)
    assert j.senior_approval_reference == "SS-4411"
    assert j.senior_approval_on == today() - timedelta(days=2)
    # Unticked, the affidavit is off.
    data = terms_data(j)
    del data["arms_length_affidavit"]
    assert staff_client.post(reverse("settlements:edit", args=[j.pk, "terms"]), data).status_code
    assert Agreement.objects.get(pk=j.pk).arms_length_affidavit is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # The price must at least pay the minimum net proceeds.
        ({"contract_price": "149,999.99"}, "contract_price",
         "The contract price ($149,999.99) is below the minimum net proceeds ($150,000.00)"),
        # 150,000 + 9,000 + 5,000 + 4,000 + 2,500 = 170,500 against 170,000: 500 over.
        ({"contract_price": "170,000.00"}, "contract_price",
         "The figures are $500.00 over the contract price of $170,000.00: minimum net proceeds "
         "$150,000.00 + brokers' commission at its cap $9,000.00 + closing-cost cap $5,000.00 + "
         "junior-lien cap $4,000.00 + relocation payment $2,500.00 = $170,500.00."),
        # Without the amount, 6% of 172,000 = 10,320.00: 171,820 fits; 7% = 12,040.00 does not.
        ({"commission_cap_amount": "", "commission_cap_percent": "7"}, "contract_price",
         "The figures are $1,540.00 over the contract price of $172,000.00"),
        ({"contract_date": days(121)}, "contract_date",
         "The contract cannot be dated after the closing deadline"),
        ({"foreclosure_sale_on": ""}, "foreclosure_sale_on",
         "Enter the scheduled foreclosure sale's date (the sale postponed until the closing "
         "deadline)."),
        ({"foreclosure": "not_postponed", "foreclosure_sale_on": ""}, "foreclosure_sale_on",
         "Enter the scheduled foreclosure sale's date."),
        ({"foreclosure": "none_scheduled"}, "foreclosure_sale_on",
         "No foreclosure sale is scheduled: leave the date blank"),
        ({"junior_liens_cap": ""}, "junior_liens_cap",
         "Enter the most the junior lienholders may be paid."),
        ({"junior_lienholders": " \n "}, "junior_lienholders",
         "Name the junior lienholders the cap pays"),
        ({"junior_lienholders": "\n".join(f"Lender {n}" for n in range(11))},
         "junior_lienholders", "At most 10 junior lienholders, one per line (11 given)."),
        ({"commission_cap_percent": "10.001"}, "commission_cap_percent", "10"),
        ({"commission_cap_percent": "6.0001"}, "commission_cap_percent", "3 decimal places"),
        ({"buyer_names": "Ann\tLee"}, "buyer_names", ""),
        # 14-digit amounts: the field refuses one too large, the sum one that would not fit.
        ({"contract_price": "1,000,000,000,000.00"}, "contract_price", "is larger than"),
        ({"contract_price": "999,999,999,999.99", "closing_costs_cap": "999,999,999,999.99"},
         "contract_price", "The minimum net proceeds and the caps together would be"),
    ],
)  # fmt: skip
def test_the_terms_step_refuses_figures_that_do_not_fit(
    staff_client, senior, changes, field, message
):
    response = post_terms(staff_client, senior, **changes)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    # What was typed is shown again, beside its error.
    page = response.content.decode()
    for value in changes.values():
        if value.strip() and "\n" not in value and "\t" not in value:
            assert f'value="{value}"' in page or value in page
    assert Agreement.objects.get(pk=senior.pk).version == senior.version  # nothing saved


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"senior_approval_on": days(1)}, "senior_approval_on"),  # not given yet
        ({"senior_approval_on": days(-400)}, "senior_approval_on"),
        ({"contract_date": days(-400)}, "contract_date"),
        ({"foreclosure_sale_on": days(-1)}, "foreclosure_sale_on"),  # already past
        ({"foreclosure_sale_on": days(800)}, "foreclosure_sale_on"),
    ],
)
def test_the_approvals_dates_keep_to_their_ranges(staff_client, junior, changes, field):
    response = post_terms(staff_client, junior, **changes)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert post_terms(staff_client, junior, estimated_statement_on=days(1)).status_code == 200


def test_a_junior_holders_step_has_no_junior_lien_cap_in_its_sum(staff_client, junior):
    # 150,000 + 9,000 + 5,000 + 2,500 = 166,500: a $166,500 price fits a junior holder's sale.
    assert post_terms(staff_client, junior, contract_price="166,500.00").status_code == 302


# --- the frozen terms ---------------------------------------------------------------------------


def test_the_terms_carry_the_sale_as_strings_and_iso_dates(staff_client, senior):
    post_terms(staff_client, senior)
    terms = terms_for(Agreement.objects.get(pk=senior.pk), version_number=1)
    assert terms["sale"] == {
        "buyer": "Ann Lee and Bo Lee",
        "contract_price": "172000.00",
        "contract_date": days(-3),
        "estimated_statement_on": days(-1),
        "commission_cap_percent": "6.000",
        "commission_cap_amount": "9000.00",
        "closing_costs_cap": "5000.00",
        "junior_liens_cap": "4000.00",
        "junior_lienholders": ["Second Street Credit Union", "Acme HOA"],
        "senior_approval_on": None,
        "senior_approval_reference": "",
        "arms_length_affidavit": True,
        "foreclosure": "postponed",
        "foreclosure_sale_on": days(40),
    }
    version = services.freeze_version(agreement=senior, by=senior.drafted_by)
    version.refresh_from_db()
    assert version.terms["sale"]["junior_lienholders"] == ["Second Street Credit Union", "Acme HOA"]


def test_a_dpo_has_no_sale_terms(draft):
    assert "sale" not in terms_for(draft, version_number=1)


# --- the checks ---------------------------------------------------------------------------------


def check(agreement, start: str) -> services.Check:
    fresh = Agreement.objects.get(pk=agreement.pk)
    (found,) = [c for c in services.checks_for(fresh) if c.label.startswith(start)]
    return found


@pytest.fixture
def approved_terms(staff_client, senior):
    assert post_terms(staff_client, senior).status_code == 302
    return Agreement.objects.get(pk=senior.pk)


def test_a_consistent_short_sale_passes_every_check(approved_terms):
    assert services.problems(approved_terms) == []


def test_the_buyer_and_the_price_must_be_set(approved_terms):
    label = "The buyer and the contract price are set"
    assert check(approved_terms, label).ok
    Agreement.objects.filter(pk=approved_terms.pk).update(buyer_names="  ")
    failed = check(approved_terms, label)
    assert not failed.ok and failed.detail == "Enter the buyer in the terms."
    Agreement.objects.filter(pk=approved_terms.pk).update(contract_price=None)
    assert (
        check(approved_terms, label).detail
        == "Enter the buyer and the contract price in the terms."
    )
    assert services.problems(Agreement.objects.get(pk=approved_terms.pk))


def test_the_figures_must_fit_the_price_recomputed_from_the_agreement(approved_terms):
    label = "The minimum net proceeds and the caps fit"
    assert check(approved_terms, label).ok
    Agreement.objects.filter(pk=approved_terms.pk).update(closing_costs_cap=D("6500.01"))
    failed = check(approved_terms, label)
    assert not failed.ok and "against a contract price of 172,000.00: 0.01 over." in failed.detail
    Agreement.objects.filter(pk=approved_terms.pk).update(
        closing_costs_cap=D("5000.00"), contract_price=D("140000.00"),
        commission_cap_percent=None, commission_cap_amount=None, relocation_amount=D("0"),
        junior_lienholders="",
    )  # fmt: skip
    failed = check(approved_terms, label)
    assert not failed.ok and failed.detail == "Enter a brokers' commission cap."
    Agreement.objects.filter(pk=approved_terms.pk).update(commission_cap_amount=D("0"))
    # Below the minimum net proceeds even with no costs at all.
    assert not check(approved_terms, label).ok
    Agreement.objects.filter(pk=approved_terms.pk).update(contract_price=D("155000.00"))
    assert check(approved_terms, label).ok
    # Junior lienholders named without a cap.
    Agreement.objects.filter(pk=approved_terms.pk).update(
        junior_lienholders="Acme HOA", junior_liens_cap=None
    )
    assert check(approved_terms, label).detail == "Enter the junior-lien cap."


def test_a_postponement_needs_the_sale_date(approved_terms):
    label = "A scheduled foreclosure sale has its date"
    assert check(approved_terms, label).ok
    Agreement.objects.filter(pk=approved_terms.pk).update(foreclosure_sale_on=None)
    failed = check(approved_terms, label)
    assert not failed.ok
    assert (
        failed.detail == "“Postponed until the closing deadline” needs the scheduled sale's date."
    )
    Agreement.objects.filter(pk=approved_terms.pk).update(foreclosure="none_scheduled")
    assert check(approved_terms, label).ok


def test_the_demo_data_and_the_factorys_short_sales_pass_the_checks(loan, staff):
    from tests.factories import draft_agreement

    assert services.problems(draft_agreement(loan, staff, kind="short_sale")) == []


# --- the clauses' fields and conditions ----------------------------------------------------------


def sale_terms(**sale) -> dict:
    base = {
        "kind": "short_sale", "lien_position": 1, "senior_lienholder": "",
        "minimum_net_proceeds": "150000.00", "relocation_amount": "2500.00",
        "closing_deadline": "2027-04-30",
        "sale": {
            "buyer": "Ann Lee and Bo Lee", "contract_price": "172000.00",
            "contract_date": "2026-11-28", "estimated_statement_on": None,
            "commission_cap_percent": "6.000", "commission_cap_amount": "9000.00",
            "closing_costs_cap": "5000.00", "junior_liens_cap": "4000.00",
            "junior_lienholders": ["Second Street Credit Union", "Acme HOA"],
            "senior_approval_on": None, "senior_approval_reference": "",
            "arms_length_affidavit": True, "foreclosure": "postponed",
            "foreclosure_sale_on": "2027-01-10",
        },
    }  # fmt: skip
    base["sale"].update(sale)
    return base


def field(name, terms):
    return sale_fields.FIELDS[name][1](terms)


def test_the_fields_word_the_terms():
    t = sale_terms()
    assert field("buyer", t) == "Ann Lee and Bo Lee"
    assert field("contract_price", t) == (
        "One Hundred Seventy-Two Thousand and 00/100 Dollars ($172,000.00)"
    )
    assert field("contract_date", t) == "November 28, 2026"
    assert field("sale_closing_deadline", t) == "April 30, 2027"
    assert field("foreclosure_sale_date", t) == "January 10, 2027"
    assert field("estimated_statement", t).startswith("the estimated closing statement the")
    t2 = sale_terms(estimated_statement_on="2026-11-30")
    assert field("estimated_statement", t2) == (
        "the estimated closing statement dated November 30, 2026, attached to this agreement"
    )
    caps = field("sale_caps", t)
    assert caps[0] == (
        "Brokers' commissions: no more than the lesser of 6.000% of the Contract Price ($10,320.00) "
        "and Nine Thousand and 00/100 Dollars ($9,000.00), for all brokers together."
    )
    assert "Five Thousand and 00/100 Dollars ($5,000.00) in all" in caps[1]
    assert (
        "Junior Lienholders: no more than Four Thousand and 00/100 Dollars ($4,000.00)" in caps[2]
    )
    assert caps[3] == (
        "A relocation payment to the Borrower: Two Thousand Five Hundred and 00/100 Dollars "
        "($2,500.00)."
    )
    # 9,000 + 5,000 + 4,000 + 2,500 = 20,500 of costs: 151,500 left for the holder.
    assert field("sale_figures", t) == (
        "the Contract Price of $172,000.00, less the costs above at their caps ($20,500.00), leaves "
        "at least $151,500.00 for the Holder, which is at least the Minimum Net Proceeds of "
        "$150,000.00"
    )
    assert field("junior_lienholders", t) == ["(1) Second Street Credit Union", "(2) Acme HOA"]
    assert field("junior_liens_cap", t) == "Four Thousand and 00/100 Dollars ($4,000.00)"
    assert "the Buyer (Ann Lee and Bo Lee), each Borrower as seller" in field(
        "affidavit_signers", t
    )
    assert field("junior_payoff", t) == (
        "One Hundred Fifty Thousand and 00/100 Dollars ($150,000.00)"
    )


def test_a_draft_without_a_figure_shows_a_visible_blank():
    t = sale_terms(buyer="", contract_price=None, contract_date=None, foreclosure_sale_on=None,
                   commission_cap_percent=None, commission_cap_amount=None,
                   closing_costs_cap=None, junior_liens_cap=None)  # fmt: skip
    t["closing_deadline"] = None
    assert field("buyer", t) == "[buyer's name to be set]"
    assert field("contract_price", t) == "[contract price to be set]"
    assert field("contract_date", t) == "[contract date to be set]"
    assert field("sale_closing_deadline", t) == "[closing deadline to be set]"
    assert field("foreclosure_sale_date", t) == "[foreclosure sale date to be set]"
    assert field("sale_figures", t) == "[figures to be set]"
    assert field("junior_liens_cap", t) == "[junior-lien cap to be set]"
    caps = field("sale_caps", t)
    assert "[commission cap to be set]" in caps[0] and "[closing-cost cap to be set]" in caps[1]
    assert field("senior_lender", sale_terms()) == "[senior lienholder to be set]"


def test_the_senior_approval_status_names_a_known_approval():
    t = sale_terms()
    assert field("senior_approval_status", t) == (
        "the Senior Lienholder has not yet approved the sale"
    )
    t = sale_terms(senior_approval_on="2026-11-20", senior_approval_reference="SS-4411")
    assert field("senior_approval_status", t).startswith(
        "the Senior Lienholder has approved the sale in writing on November 20, 2026 (its "
        "reference SS-4411); that approval meets the condition only if"
    )


def test_terms_frozen_before_the_approval_leave_the_clauses_out():
    old = sale_terms()
    del old["sale"]
    assert all(fn(old) is None for _, fn in sale_fields.FIELDS.values())
    assert not any(fn(old) for _, fn in sale_fields.CONDITIONS.values())


def test_the_conditions_choose_the_variant():
    def on(name, terms):
        return sale_fields.CONDITIONS[name][1](terms)

    first = sale_terms()
    assert on("senior_with_junior_liens", first)
    assert not on("senior_with_junior_liens", sale_terms(junior_lienholders=[]))
    second = {**sale_terms(), "lien_position": 2}
    assert not on("senior_with_junior_liens", second)
    assert on("arms_length_affidavit", first)
    assert not on("arms_length_affidavit", sale_terms(arms_length_affidavit=False))
    for choice in ("none_scheduled", "postponed", "not_postponed"):
        chosen = [
            name for name in ("foreclosure_none_scheduled", "foreclosure_postponed",
                              "foreclosure_not_postponed")
            if on(name, sale_terms(foreclosure=choice))
        ]  # fmt: skip
        assert chosen == [f"foreclosure_{choice}"]
    assert not on("senior_with_junior_liens", {**first, "kind": "dpo"})


# --- the seed clauses, rendered by the clause library -------------------------------------------


def seeds() -> list[dict]:
    """The entries of short_sale.toml, as the library reads them."""
    raw = tomllib.loads(CLAUSES.read_text(encoding="utf-8"))["clause"]
    return [library.normalized(e) for e in raw]


def chosen(terms, state="NY") -> dict:
    """The short-sale clauses this document gets, rendered: {key: paragraphs}."""
    terms = {**terms, "governing_state": state}
    keys = {e["key"] for e in seeds()}
    picked = library.choose(library.seed_entries(), terms)
    # The latest version of each key, as current_entries gives a new draft.
    latest = {}
    for e in sorted(library.seed_entries(), key=lambda e: e["version"]):
        latest[e["key"]] = e
    picked = library.choose(list(latest.values()), terms)
    out = {}
    for e in picked:
        if e["key"] in keys:
            rendered = library.render_clause(e, terms)
            if rendered is not None:
                out[e["key"]] = rendered[1]
    return out


def test_the_seed_clauses_are_well_formed():
    entries = seeds()
    assert len({(e["key"], e["version"]) for e in entries}) == len(entries)
    for e in entries:
        assert e["kinds"] == ["short_sale"]
        assert library.body_errors(e["body"]) == [], e["key"]
        assert e["when"] in library.conditions(), e["key"]
        # The sale's own fields, and the library's general ones.
        assert set(library.placeholders(e["body"])) <= set(library.fields()), e["key"]
    # Variants of one slot are told apart by their condition.
    slots = {}
    for e in entries:
        slots.setdefault(e["slot"], []).append(e["when"])
    assert sorted(slots["short-sale-foreclosure"]) == [
        "foreclosure_none_scheduled", "foreclosure_not_postponed", "foreclosure_postponed",
    ]  # fmt: skip
    # The senior's approval is the next version of the library's clause, not a second one.
    (senior,) = [e for e in entries if e["slot"] == "senior-approval"]
    assert (senior["key"], senior["version"]) == ("senior-approval", 2)
    assert "approves the sale in writing before closing" in senior["body"]
    # A list field must stand alone in its paragraph: the library says so of a misplaced one.
    assert "alone in its paragraph" in library.body_errors("Caps: {sale_caps}")[0]


def test_the_senior_variant_carries_the_junior_lien_cap():
    t = sale_terms()
    got = chosen(t)
    assert "senior-approval" not in got and "short-sale-california-580e" not in got
    assert set(got) == {
        "short-sale-buyer-and-contract", "short-sale-closing-statement",
        "short-sale-arms-length", "short-sale-foreclosure-postponed", "short-sale-junior-liens",
        "the-sale",
    }  # fmt: skip
    junior = got["short-sale-junior-liens"]
    assert junior[1:3] == ["(1) Second Street Credit Union", "(2) Acme HOA"]
    assert (
        "no more than Four Thousand and 00/100 Dollars ($4,000.00) from the Contract" in junior[3]
    )
    assert "of the Borrower's personal liability" in junior[3]
    assert "not a requirement of law" in junior[4]
    buyer = got["short-sale-buyer-and-contract"]
    assert buyer[0].startswith("The Holder approves the sale of the Property to Ann Lee and Bo Lee")
    assert "voids this approval" in buyer[1]
    # The approval's own clauses leave no blank (these terms omit the listing deadline, which
    # "The Sale" shows as a visible blank).
    text = " ".join(p for key, ps in got.items() if key != "the-sale" for p in ps)
    assert "[" not in text and "{" not in text


def test_the_junior_variant_carries_the_senior_approval_condition_and_its_payoff():
    t = {**sale_terms(senior_approval_reference="SS-4411"), "lien_position": 2,
         "senior_lienholder": "First Bank, N.A."}  # fmt: skip
    got = chosen(t)
    assert "short-sale-junior-liens" not in got
    senior = got["senior-approval"]
    assert "held by First Bank, N.A. (the “Senior Lienholder”)" in senior[0]
    assert "approves the sale in writing before closing" in senior[0]
    assert "(its reference SS-4411)" in senior[0]
    assert "accepts One Hundred Fifty Thousand and 00/100 Dollars ($150,000.00)" in senior[1]


def test_california_gets_section_580e_and_other_states_do_not():
    assert "short-sale-california-580e" not in chosen(sale_terms())
    text = " ".join(chosen(sale_terms(), state="CA")["short-sale-california-580e"])
    assert "California Code of Civil Procedure § 580e(a)" in text
    assert "written consent to the sale to Ann Lee and Bo Lee" in text


def test_turned_off_the_affidavit_clause_is_left_out():
    assert "short-sale-arms-length" not in chosen(sale_terms(arms_length_affidavit=False))


@pytest.mark.parametrize(
    ("choice", "key"),
    [
        ("none_scheduled", "short-sale-foreclosure-none-scheduled"),
        ("postponed", "short-sale-foreclosure-postponed"),
        ("not_postponed", "short-sale-foreclosure-not-postponed"),
    ],
)
def test_one_foreclosure_variant_per_choice(choice, key):
    got = [k for k in chosen(sale_terms(foreclosure=choice)) if "foreclosure" in k]
    assert got == [key]


# --- the PDF, read back ---------------------------------------------------------------------------


def pdf_words(data: bytes) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))
    # Each page's footer, wherever a page break fell.
    return re.sub(r"Loan \S+ Agreement \S+ · version \d+ Page \d+ of \d+ ", "", text)


def test_a_senior_holders_pdf_carries_every_new_clause(staff_client, senior, staff):
    assert post_terms(staff_client, senior).status_code == 302
    text = pdf_words(bytes(services.freeze_version(agreement=senior, by=staff).pdf))
    assert "The Buyer, the Price and the Contract" in text
    assert (
        "The Holder approves the sale of the Property to Ann Lee and Bo Lee (the “Buyer”)" in text
    )
    assert "One Hundred Seventy-Two Thousand and 00/100 Dollars ($172,000.00)" in text
    assert "Any change of the Buyer" in text and "voids this approval" in text
    assert "The Closing Statement and the Caps on Costs" in text
    assert "The sale may close only on a final closing statement the Holder has approved" in text
    assert "the lesser of 6.000% of the Contract Price ($10,320.00) and Nine Thousand" in text
    assert "Five Thousand and 00/100 Dollars ($5,000.00) in all" in text
    # 9,000 + 5,000 + 4,000 + 2,500 = 20,500: 151,500 left, above the 150,000 minimum.
    assert "less the costs above at their caps ($20,500.00), leaves at least $151,500.00" in text
    assert "Arm's-Length Sale and Affidavit" in text and "Fannie Mae Form 191" in text
    assert "Foreclosure While the Sale Is Pending" in text
    sale_on = long_date(today() + timedelta(days=40))
    assert f"A foreclosure sale of the Property is scheduled for {sale_on}" in text
    assert "Junior Liens" in text and "(1) Second Street Credit Union" in text
    assert "(2) Acme HOA" in text
    assert "no more than Four Thousand and 00/100 Dollars ($4,000.00)" in text
    assert "Senior Lienholder's Approval" not in text


def test_a_junior_holders_pdf_carries_the_senior_approval_condition(staff_client, junior, staff):
    assert post_terms(staff_client, junior, foreclosure="none_scheduled",
                      foreclosure_sale_on="").status_code == 302  # fmt: skip
    agreement = Agreement.objects.get(pk=junior.pk)
    text = pdf_words(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))
    assert text.count("Senior Lienholder's Approval") == 1  # version 2 replaced version 1
    assert "held by First Bank, N.A. (the “Senior Lienholder”)" in text
    assert "approves the sale in writing before closing" in text
    approved = long_date(today() - timedelta(days=2))
    assert f"approved the sale in writing on {approved} (its reference SS-4411)" in text
    assert "the Holder, as junior lienholder, accepts One Hundred Fifty Thousand" in text
    assert "No foreclosure sale of the Property is scheduled" in text
    assert "Junior Liens" not in text
    # The checks read the condition from the same document.
    assert check(agreement, "A junior lien's short sale").ok


def test_a_california_short_sale_pdf_cites_section_580e(portfolio, staff, staff_client):
    loan = make_loan(portfolio, "CA-1", property_state="CA", property_city="Fresno",
                     property_zip="93701")  # fmt: skip
    agreement = services.start_draft(loan=loan, kind="short_sale", by=staff)
    assert post_terms(staff_client, agreement, governing_state="CA").status_code == 302
    agreement = Agreement.objects.get(pk=agreement.pk)
    text = pdf_words(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))
    assert "California Law on Deficiencies After a Short Sale" in text
    assert "California Code of Civil Procedure § 580e(a)" in text


@pytest.mark.parametrize(
    ("choice", "words", "not_words"),
    [
        ("not_postponed",
         "This agreement does not postpone it: unless the sale to the Buyer closes before then, "
         "or the Holder agrees in writing to postpone it, the foreclosure sale may go ahead on "
         "that date or on any later date to which it is postponed, and this agreement ends when "
         "it does. The closing deadline of {closing} does not delay the foreclosure sale.",
         "the Holder will postpone that sale"),
        ("postponed",
         "While the Borrower performs this agreement, the Holder will postpone that sale, or "
         "instruct its trustee or attorney to postpone it, to a date after the closing deadline "
         "of {closing}",
         "This agreement does not postpone it"),
    ],
)  # fmt: skip
def test_a_scheduled_foreclosure_sale_is_postponed_or_not_as_the_terms_say(
    staff_client, senior, staff, choice, words, not_words
):
    assert post_terms(staff_client, senior, foreclosure=choice).status_code == 302
    agreement = Agreement.objects.get(pk=senior.pk)
    assert agreement.foreclosure == choice
    text = pdf_words(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))
    assert text.count("Foreclosure While the Sale Is Pending") == 1
    sale_on = long_date(today() + timedelta(days=40))
    assert f"A foreclosure sale of the Property is scheduled for {sale_on}." in text
    assert words.format(closing=long_date(today() + timedelta(days=120))) in text
    assert not_words not in text
    assert "No foreclosure sale of the Property is scheduled" not in text


def test_the_affidavit_names_the_agents_and_the_closing_agent_and_is_left_out_when_off(
    staff_client, senior, junior, staff
):
    assert post_terms(staff_client, senior).status_code == 302
    text = pdf_words(bytes(services.freeze_version(agreement=senior, by=staff).pdf))
    assert (
        "At closing, the Buyer (Ann Lee and Bo Lee), each Borrower as seller, every real "
        "estate agent and broker in the sale, and the closing agent will each sign an affidavit "
        "before a notary that the sale is an arm's-length transaction"
    ) in text
    # Turned off in the terms step: neither the section nor its signers.
    data = terms_data(junior)
    del data["arms_length_affidavit"]
    url = reverse("settlements:edit", args=[junior.pk, "terms"])
    assert staff_client.post(url, data).status_code == 302
    agreement = Agreement.objects.get(pk=junior.pk)
    assert agreement.arms_length_affidavit is False
    text = pdf_words(bytes(services.freeze_version(agreement=agreement, by=staff).pdf))
    assert "Arm's-Length Sale and Affidavit" not in text
    assert "every real estate agent and broker in the sale" not in text
    assert "will each sign an affidavit" not in text
    assert "The sale must be an arm's-length transaction" in text  # "The Sale" still says so
