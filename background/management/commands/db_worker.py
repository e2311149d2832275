"""`manage.py db_worker`: django-tasks-db's command, running background.worker.BeatingWorker.

Same options as the package's command (--queue-name, --interval, --batch, --max-tasks,
--worker-id, --reload ...); this app comes before django_tasks_db in INSTALLED_APPS, so
this command is the one `db_worker` runs. What it adds: the heartbeat that lets a killed
worker's task be retried or failed, and the daily schedule (background.schedule).
"""

import logging
import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as upstream

from background.worker import BeatingWorker

log = logging.getLogger("django_tasks_db")


class Command(upstream.Command):
    help = upstream.Command.help + " (with heartbeat, lost-task recovery and daily schedule)"

    def handle(self, *, verbosity, queue_name, exclude_queues, batch, reload, **options):
        # As the package's handle(), with BeatingWorker for its Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            log.warning("--reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = BeatingWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=batch,
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child that runs the worker
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
