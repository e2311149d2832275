"""Re-assess every deficiency not assessed today: filing windows close, judgments lapse and
enforcement cutoffs pass as days go by. Pages do it for what they show, once a day; run this
nightly (cron, or the task scheduler) so the deadlines feed and totals are current before
anyone looks.

    python manage.py reassess_deficiencies
"""

from django.core.management.base import BaseCommand

from deficiencies import services
from portfolios.models import Portfolio


class Command(BaseCommand):
    help = "Re-assess every deficiency not assessed today (verdicts, deadlines, lapses)."

    def handle(self, *args, **options):
        ids = list(Portfolio.objects.values_list("pk", flat=True))
        refreshed = services.assess_today(ids)
        self.stdout.write(
            f"Checked {len(ids)} portfolios; re-assessed the deficiencies of {len(refreshed)}."
        )
