"""axe-core on every main page, for each role and for a visitor not logged in: no serious
or critical violation (issue 14). The pages carry the demo data, a draft agreement and
tape imports in each outcome, so tables, badges, forms and their errors are all drawn.

One browser context per role; each page is opened once and checked once. A failure lists
every violation: page, rule, impact, the element's selector and axe's help page."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from accounts.models import User
from deficiencies.models import Deficiency, Provision, StateRule
from portfolios.models import Loan, Portfolio, SellerColumnMapping, TapeImport
from settlements import services
from settlements.models import Agreement, ClauseVersion, Status
from tests.browser.axe import blocking_violations, describe
from tests.browser.test_login import log_in
from tests.portfolios.tapes import csv_bytes, good_row

pytestmark = pytest.mark.django_db(transaction=True)

ODD_TAPE = b"Acct,Obligor,Prop St,Bal\nA-1,Ann Lee,CA,100000.00\n"


def _upload(client, portfolio, data, name, **extra):
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile(name, data), "default_day_count": "30/360", **extra},
    )
    return TapeImport.objects.latest("pk")


@pytest.fixture
def world(transactional_db):
    """The demo data, a draft agreement, and an import of each outcome."""
    call_command("seed_demo", verbosity=0)
    staff = User.objects.get(email="staff@example.com")
    draft = services.start_draft(loan=Loan.objects.get(loan_number="RB-0010"), kind="dpo", by=staff)
    draft.settlement_amount = Decimal("150000.00")
    draft.payment_method = "wire"
    draft.save()
    riverbend = Portfolio.objects.get(name="Riverbend NPL Pool 2026-A")
    client = Client()
    client.force_login(staff)
    imports = {
        "imported": _upload(client, riverbend, csv_bytes([good_row(1), good_row(2)]), "a.csv"),
        "checked": _upload(client, riverbend, csv_bytes([good_row(3)]), "b.csv", dry_run="on"),
        "rejected": _upload(
            client, riverbend, csv_bytes([good_row(4, UPB="-1"), good_row(5)]), "c.csv"
        ),
        "mapping": _upload(client, riverbend, ODD_TAPE, "odd.csv"),
    }
    # A seller's saved column mapping, for the mapping pages.
    SellerColumnMapping.objects.create(
        seller="Odd Bank",
        mapping={"loan_number": "Acct", "borrower_name": "Obligor", "upb": "Bal"},
        ignored=["Note"],
        updated_by=staff,
    )
    S = TapeImport.Status
    assert {k: job.status for k, job in imports.items()} == {
        "imported": S.SUCCEEDED, "checked": S.CHECKED, "rejected": S.REJECTED,
        "mapping": S.NEEDS_MAPPING,
    }  # fmt: skip
    return {"riverbend": riverbend, "draft": draft, "imports": imports}


def _pages(role: str, world) -> list[str]:
    """The main pages `role` may open, as paths."""
    riverbend = world["riverbend"]
    loan = Loan.objects.filter(portfolio=riverbend, deficiency__isnull=True).first()
    deficiency = Deficiency.objects.filter(portfolio=riverbend).first()
    rule = StateRule.objects.get(state_code=deficiency.loan.property_state)
    provision = Provision.objects.filter(state_code=rule.state_code).first()
    approved = Agreement.objects.get(status=Status.APPROVED)
    in_review = Agreement.objects.get(status=Status.IN_REVIEW)
    clause = ClauseVersion.objects.order_by("key").first()
    common = [
        reverse("home"),
        reverse("deficiencies:rules"),
        reverse("deficiencies:rule_detail", args=[rule.state_code]),
        reverse("search:results") + "?q=Main",
        reverse("search:results") + "?q=RB-00",
        reverse("password_change"),
        "/no-such-page/",
    ]
    owned = [
        reverse("portfolios:list"),
        riverbend.get_absolute_url(),
        loan.get_absolute_url(),
        reverse("deficiencies:portfolio", args=[riverbend.pk]),
        deficiency.get_absolute_url(),
        reverse("deficiencies:deadlines"),
        reverse("settlements:list"),
        approved.get_absolute_url(),
        # Loans with more in their panels: a deficiency, an agreement.
        deficiency.loan.get_absolute_url(),
        approved.loan.get_absolute_url(),
    ]
    if role == "investor":
        return common + owned
    if role == "attorney":
        return common + [
            reverse("settlements:list"),
            in_review.get_absolute_url(),
            reverse("settlements:verify"),
            reverse("settlements:clauses"),
            reverse("settlements:clause", args=[clause.key]),
            reverse("settlements:clause_new"),
            reverse("settlements:clause_edit", args=[clause.key]),
        ]
    draft = world["draft"]
    mapping = SellerColumnMapping.objects.get(seller="Odd Bank")
    return (
        common
        + owned
        + [
            reverse("portfolios:create"),
            reverse("portfolios:edit", args=[riverbend.pk]),
            reverse("portfolios:loan_create", args=[riverbend.pk]),
            reverse("portfolios:loan_edit", args=[loan.pk]),
            reverse("portfolios:import_start", args=[riverbend.pk]),
            *(job.get_absolute_url() for job in world["imports"].values()),
            reverse("portfolios:mappings"),
            reverse("portfolios:mapping_edit", args=[mapping.pk]),
            reverse("deficiencies:record", args=[loan.pk]),
            reverse("deficiencies:edit_event", args=[deficiency.pk]),
            reverse("deficiencies:deadlines") + "?portfolio=" + str(riverbend.pk),
            reverse("deficiencies:rule_edit", args=[rule.state_code]),
            reverse("deficiencies:provision_edit", args=[provision.pk]),
            reverse("settlements:list") + "?status=draft",
            in_review.get_absolute_url(),
            draft.get_absolute_url(),
            *(
                reverse("settlements:edit", args=[draft.pk, step])
                for step in ("parties", "terms", "payments", "riders", "review")
            ),
            reverse("settlements:verify"),
            reverse("settlements:clauses"),
            reverse("settlements:clause", args=[clause.key]),
            reverse("background"),
            reverse("admin:accounts_user_changelist"),
        ]
    )


def _check(page: Page, base: str, paths: list[str], found: list[str]) -> None:
    for path in paths:
        response = page.goto(base + path)
        expected = 404 if path == "/no-such-page/" else 200
        assert response.status == expected, f"{path} answered {response.status}"
        found += describe(blocking_violations(page), path)


def test_pages_for_a_visitor_not_logged_in_have_no_serious_violation(page: Page, live_server):
    found: list[str] = []
    _check(
        page,
        live_server.url,
        [reverse("login"), reverse("password_reset"), "/no-such-page/"],
        found,
    )
    # The login form with its error shown.
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("E-mail address").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    found += describe(blocking_violations(page), "login (wrong password)")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("role", ["investor", "staff", "attorney"])
def test_every_main_page_has_no_serious_violation(browser, live_server, world, role):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, f"{role}@example.com")
    page.wait_for_url(live_server.url + "/")
    found: list[str] = []
    _check(page, live_server.url, _pages(role, world), found)
    # The user menu, opened.
    page.goto(live_server.url + "/")
    page.locator("#userMenu").click()
    page.locator("#mainNav .dropdown-menu.show").wait_for()
    found += describe(blocking_violations(page, "#mainNav"), "user menu")
    # The page after logging out.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/logout/")
    found += describe(blocking_violations(page), "logged out")
    context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("role", ["investor", "staff"])
def test_main_pages_on_a_phone_have_no_serious_violation(browser, live_server, world, role):
    """At a phone's width: the navigation folded into its menu (opened), wide tables."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url, f"{role}@example.com")
    page.wait_for_url(live_server.url + "/")
    riverbend = world["riverbend"]
    found: list[str] = []
    paths = [
        riverbend.get_absolute_url(),
        reverse("deficiencies:deadlines"),
        reverse("settlements:list"),
        reverse("deficiencies:portfolio", args=[riverbend.pk]),
    ]
    _check(page, live_server.url, paths, found)
    page.goto(live_server.url + "/")
    page.wait_for_load_state("load")  # Bootstrap's script runs at the end of the page
    page.get_by_role("button", name="Toggle navigation").click()
    page.locator(".navbar-collapse.show").wait_for()
    found += describe(blocking_violations(page), "home, menu open")
    context.close()
    assert not found, "\n".join(found)


def test_the_check_finds_a_critical_violation(page: Page):
    """The check is not hollow: an image without alt text and an unlabelled field fail."""
    page.set_content(
        "<!doctype html><html lang='en'><head><title>Bad</title></head><body><main>"
        "<h1>Bad</h1><img src='data:,' id='bare'><form><input id='nolabel'></form>"
        "</main></body></html>"
    )
    found = blocking_violations(page)
    rules = {v["id"]: v for v in found}
    assert {"image-alt", "label"} <= set(rules)
    assert rules["image-alt"]["impact"] == "critical"
    lines = describe(found, "bad page")
    assert any("image-alt (critical) at #bare" in line for line in lines)
    assert any("label (critical) at #nolabel" in line for line in lines)
    assert all("<https://" in line for line in lines)  # axe's help page for the rule
