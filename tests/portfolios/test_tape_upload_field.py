"""The tape upload's file picker offers exactly the kinds of file the importer reads."""

import re

import pytest
from django.urls import reverse

from portfolios.forms import TAPE_ACCEPT
from portfolios.tape.readers import detect_kind
from tests.portfolios.tapes import csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_the_tape_field_says_which_files_it_accepts(client, staff, portfolio):
    client.force_login(staff)
    page = client.get(reverse("portfolios:import_start", args=[portfolio.pk])).text
    (field,) = re.findall(r'<input type="file" name="file"[^>]*>', page)
    assert 'accept=".csv,.txt,.xlsx,.xlsm"' in field


@pytest.mark.parametrize("suffix", TAPE_ACCEPT.split(","))
def test_every_accepted_suffix_is_read_by_the_importer(suffix):
    data = (
        xlsx_bytes(["Loan Number"], [["1"]])
        if suffix.startswith(".xls")
        else csv_bytes([good_row(1)])
    )
    assert detect_kind(f"tape{suffix}", data) == ("xlsx" if suffix.startswith(".xls") else "csv")
