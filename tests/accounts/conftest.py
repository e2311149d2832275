"""Account tests: mail jobs are collected instead of run on a thread; throttles start fresh."""

import pytest
from django.core.cache import cache


class MailJobs(list):
    """The jobs accounts.reset would have run on background threads, to run on demand."""

    def run(self):
        while self:
            self.pop(0)()


@pytest.fixture(autouse=True)
def mail_jobs(monkeypatch):
    jobs = MailJobs()
    monkeypatch.setattr("accounts.reset.in_background", jobs.append)
    return jobs


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()
