"""Counts of loans and rows are shown with a thousands separator ("1,001 loans")."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portfolios.models import TapeImport
from tests.portfolios.test_pages import make_loans

pytestmark = pytest.mark.django_db


def test_loan_counts_are_grouped_by_thousands(client, owner, staff, portfolio):
    make_loans(portfolio, 1001)
    client.force_login(owner)
    detail = client.get(portfolio.get_absolute_url()).text
    assert "1,001 loans" in detail and "1001" not in detail
    assert '<span class="stat-value">1,001</span>' in detail
    listing = client.get(reverse("portfolios:list")).text
    assert '<span class="stat-value">1,001</span>' in listing
    assert '<td class="text-end num">1,001</td>' in listing
    assert "1,001" in client.get(reverse("home")).text
    client.force_login(staff)
    assert "1,001" in client.get(reverse("home")).text


def test_import_counts_are_grouped_by_thousands(client, staff, portfolio):
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="big.csv", kind="csv", sha256="0" * 64, size=1,
        default_day_count="30/360", status=TapeImport.Status.SUCCEEDED, heartbeat_at=timezone.now(),
        rows_total=12500, created=10000, updated=2400, unchanged=100,
    )  # fmt: skip
    client.force_login(staff)
    page = client.get(job.get_absolute_url()).text
    assert "Imported 12,500 loans" in page
    assert "<strong>10,000</strong> created, <strong>2,400</strong> updated" in page
    listing = client.get(reverse("portfolios:import_start", args=[portfolio.pk])).text
    assert "10,000 new, 2,400 updated, 100 unchanged" in listing
