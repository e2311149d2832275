"""One live agreement of a kind per loan, and agreement numbers that survive a race
(issue 8 item 11)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from settlements import services
from settlements.models import LIVE_STATES, Agreement, Status
from tests.factories import make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(portfolio):
    return make_loan(portfolio, "NUM-1")


def test_the_database_refuses_a_second_live_agreement_of_a_kind(loan, staff):
    first = services.start_draft(loan=loan, kind="dpo", by=staff)
    twin = Agreement.objects.get(pk=first.pk)
    twin.pk = None
    twin.number = "SA-TWIN"
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)
    # Another kind on the same loan is fine.
    services.start_draft(loan=loan, kind="short_sale", by=staff)


@pytest.mark.parametrize("status", list(Status))
def test_an_ended_agreement_makes_room_for_a_new_one(loan, staff, status):
    first = services.start_draft(loan=loan, kind="dpo", by=staff)
    Agreement.objects.filter(pk=first.pk).update(status=status)
    if status in LIVE_STATES:
        with pytest.raises(services.LiveAgreementExists) as refused:
            services.start_draft(loan=loan, kind="dpo", by=staff)
        assert refused.value.agreement == first
        assert first.number in str(refused.value)
    else:
        second = services.start_draft(loan=loan, kind="dpo", by=staff)
        assert second.number != first.number


def test_starting_a_second_draft_leads_to_the_existing_one(client, loan, staff):
    first = services.start_draft(loan=loan, kind="dpo", by=staff)
    client.force_login(staff)
    response = client.post(reverse("settlements:start", args=[loan.pk]), {"kind": "dpo"})
    assert response["Location"] == first.get_absolute_url()
    page = client.get(response["Location"])
    assert f"already has a live Discounted payoff (DPO) agreement, {first.number}" in page.text
    assert Agreement.objects.count() == 1


def test_a_number_taken_meanwhile_is_retried_in_a_savepoint(loan, portfolio, staff, monkeypatch):
    taken = services.start_draft(loan=make_loan(portfolio, "NUM-2"), kind="dpo", by=staff)
    real = services.next_number
    calls = []

    def racing(today=None, **kwargs):
        # The first attempt computes the number another request has just used.
        calls.append(1)
        return taken.number if len(calls) == 1 else real(today, **kwargs)

    monkeypatch.setattr(services, "next_number", racing)
    with transaction.atomic():  # the caller's transaction survives the clash
        agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert len(calls) == 2
    assert agreement.number != taken.number
    assert Agreement.objects.count() == 2
    assert agreement.history.count() == 1 and agreement.drafting_steps.count() == 1


def test_a_number_that_keeps_clashing_gives_up_with_a_message(loan, portfolio, staff, monkeypatch):
    taken = services.start_draft(loan=make_loan(portfolio, "NUM-3"), kind="dpo", by=staff)
    monkeypatch.setattr(services, "next_number", lambda today=None, **kw: taken.number)
    with pytest.raises(services.AgreementError, match="same moment"):
        services.start_draft(loan=loan, kind="dpo", by=staff)
    assert not Agreement.objects.filter(loan=loan).exists()


def test_a_racing_draft_of_the_same_kind_is_named_not_a_500(loan, staff, monkeypatch):
    """The other request inserted its draft between our check and our insert."""
    other = services.start_draft(loan=loan, kind="dpo", by=staff)
    checks = []
    real = services._refuse_second_live

    def blind_first(loan_, kind):
        checks.append(1)
        if len(checks) > 1:
            real(loan_, kind)

    monkeypatch.setattr(services, "_refuse_second_live", blind_first)
    with pytest.raises(services.LiveAgreementExists) as refused:
        services.start_draft(loan=loan, kind="dpo", by=staff)
    assert refused.value.agreement == other


# --- round 2, finding D: numbers from a locked per-year counter ------------------------------------


def _year():
    from django.utils import timezone

    return timezone.localdate().year


def test_numbers_come_from_the_years_counter_row_locked_while_drafting(
    loan, portfolio, staff, monkeypatch
):
    from settlements.models import AgreementCounter

    real = AgreementCounter.objects.select_for_update
    locks = []
    monkeypatch.setattr(
        AgreementCounter.objects, "select_for_update", lambda *a, **k: locks.append(1) or real()
    )
    first = services.start_draft(loan=loan, kind="dpo", by=staff)
    second = services.start_draft(loan=make_loan(portfolio, "NUM-5"), kind="dpo", by=staff)
    assert (first.number, second.number) == (f"SA-{_year()}-0001", f"SA-{_year()}-0002")
    assert AgreementCounter.objects.get(year=_year()).last == 2
    assert len(locks) == 2


def test_a_draft_that_cannot_see_the_other_drafts_row_still_takes_the_next_number(
    loan, portfolio, staff, monkeypatch
):
    """What lost drafts on PostgreSQL: a draft started at the same moment as another did
    not see the other's uncommitted row, took the same number and clashed. The counter,
    not the rows a draft can see, decides: no clash, no retry, no "Try again"."""
    services.start_draft(loan=make_loan(portfolio, "NUM-6"), kind="dpo", by=staff)
    monkeypatch.setattr(services, "_highest_used", lambda prefix: 0)  # the row is invisible
    inserts = []
    real_insert = services._insert_draft
    monkeypatch.setattr(
        services, "_insert_draft", lambda *a: inserts.append(a[2]) or real_insert(*a)
    )
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.number == f"SA-{_year()}-0002"
    assert inserts == [agreement.number]  # first attempt, no retry


def test_a_new_counter_starts_above_the_numbers_already_used(loan, portfolio, staff):
    from settlements.models import AgreementCounter

    older = services.start_draft(loan=make_loan(portfolio, "NUM-7"), kind="dpo", by=staff)
    Agreement.objects.filter(pk=older.pk).update(number=f"SA-{_year()}-10041")
    AgreementCounter.objects.all().delete()  # as before the counter existed
    agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert agreement.number == f"SA-{_year()}-10042"  # numerically, not as text


def test_a_refused_draft_does_not_use_up_a_number(loan, portfolio, staff):
    from settlements.models import AgreementCounter

    services.start_draft(loan=loan, kind="dpo", by=staff)
    with pytest.raises(services.LiveAgreementExists):
        services.start_draft(loan=loan, kind="dpo", by=staff)
    assert AgreementCounter.objects.get(year=_year()).last == 1
    nxt = services.start_draft(loan=make_loan(portfolio, "NUM-8"), kind="dpo", by=staff)
    assert nxt.number == f"SA-{_year()}-0002"


@pytest.mark.django_db(transaction=True)
def test_twelve_drafts_started_at_once_all_get_a_number(portfolio, staff):
    """Real threads on the test database (SQLite here; PostgreSQL when DATABASE_URL says so)."""
    import threading

    from django.db import connections

    loans = [make_loan(portfolio, f"AT-ONCE-{i}") for i in range(12)]
    barrier = threading.Barrier(len(loans))
    out = [None] * len(loans)

    def start(i):
        try:
            barrier.wait()
            out[i] = services.start_draft(loan=loans[i], kind="dpo", by=staff).number
        except Exception as exc:  # noqa: BLE001 - the test shows what went wrong
            out[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(len(loans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(out) == [f"SA-{_year()}-{n:04d}" for n in range(1, 13)], out
