"""Account tests: mail tasks are collected instead of queued; throttles start fresh."""

from functools import partial

import pytest
from django.core.cache import cache


class MailJobs(list):
    """The mail tasks accounts.reset would have queued, to run on demand."""

    def run(self):
        while self:
            self.pop(0)()


@pytest.fixture(autouse=True)
def mail_jobs(monkeypatch):
    jobs = MailJobs()
    monkeypatch.setattr(
        "accounts.reset.in_background",
        lambda task, *args, **kwargs: jobs.append(partial(task.call, *args, **kwargs)),
    )
    return jobs


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()
