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

    def racing(today=None):
        # The first attempt computes the number another request has just used.
        calls.append(1)
        return taken.number if len(calls) == 1 else real(today)

    monkeypatch.setattr(services, "next_number", racing)
    with transaction.atomic():  # the caller's transaction survives the clash
        agreement = services.start_draft(loan=loan, kind="dpo", by=staff)
    assert len(calls) == 2
    assert agreement.number != taken.number
    assert Agreement.objects.count() == 2
    assert agreement.history.count() == 1 and agreement.drafting_steps.count() == 1


def test_a_number_that_keeps_clashing_gives_up_with_a_message(loan, portfolio, staff, monkeypatch):
    taken = services.start_draft(loan=make_loan(portfolio, "NUM-3"), kind="dpo", by=staff)
    monkeypatch.setattr(services, "next_number", lambda today=None: taken.number)
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
