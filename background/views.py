"""Staff's view of the background: workers alive, the daily jobs, recent tasks and why any
failed."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult

from background import schedule
from background.models import ScheduledRun, WorkerBeat
from background.recovery import LOST_CLASS_PATH, lost_after
from background.status import uses_workers
from noteinvest.access import Role, role_required

# task path -> (what staff call it, a link to its object from its first argument, or None).
# Mail tasks name no object: their arguments (addresses typed on the reset form) stay private.
KINDS = {
    "portfolios.tasks.import_tape": ("Loan-tape import", "portfolios:import_detail"),
    "settlements.tasks.submit_batch_item": ("Draft of a review batch", None),
    "accounts.tasks.mail_reset_link": ("Password-reset or welcome mail", None),
    "accounts.tasks.mail_address_changed": ("Changed-address notice", None),
    "deficiencies.tasks.reassess_all": ("Nightly re-assessment of deficiencies", None),
    "deficiencies.tasks.mail_deadline_reminders": ("Deadline reminders", None),
    "notifications.tasks.mail_late_payments": ("Late-payment notices", None),
    "notifications.tasks.mail_digests": ("Morning digest of notices", None),
    "notifications.tasks.mail_status_change": ("Agreement notice", None),
    "background.tasks.prune_task_records": ("Old task records pruned", None),
    "portfolios.tasks.prune_checked_tape_files": ("Files of old tape checks deleted", None),
}
# Mail tasks: a failure's own text can name an address (SMTPRecipientsRefused): shown as a
# fixed sentence, the details in the server's log.
PRIVATE = {path for path in KINDS if ".mail_" in path}
STATUS_LABELS = {
    TaskResultStatus.READY: "Queued",
    TaskResultStatus.RUNNING: "Running",
    TaskResultStatus.SUCCESSFUL: "Done",
    TaskResultStatus.FAILED: "Failed",
}
FIELDS = ("id", "status", "task_path", "args_kwargs", "enqueued_at", "started_at",
          "finished_at", "worker_ids", "exception_class_path", "traceback")  # fmt: skip


def reason(row) -> str:
    """Why a task failed, in a line: the exception's message (the traceback's last line)."""
    if row["status"] != TaskResultStatus.FAILED:
        return ""
    if row["exception_class_path"] == LOST_CLASS_PATH:
        return row["traceback"]
    if row["task_path"] in PRIVATE:
        return "The mail could not be sent; the server's log has the details."
    last = (row["traceback"] or "").strip().splitlines()[-1:] or [row["exception_class_path"]]
    return last[0][:500]


def task_rows(rows):
    out = []
    for row in rows:
        label, link = KINDS.get(row["task_path"], (row["task_path"].rsplit(".", 1)[-1], None))
        args = (row["args_kwargs"] or {}).get("args") or []
        url = reverse(link, args=[args[0]]) if link and args and isinstance(args[0], int) else ""
        out.append(
            {
                **row,
                "label": label,
                "url": url,
                "status_label": STATUS_LABELS.get(row["status"], row["status"]),
                "reason": reason(row),
                "attempts": len(row["worker_ids"] or []),
            }
        )
    return out


@role_required(Role.STAFF)
@require_GET
def index(request):
    status = request.GET.get("status", "")
    tasks = DBTaskResult.objects.order_by("-enqueued_at").values(*FIELDS)
    if status in STATUS_LABELS:
        tasks = tasks.filter(status=status)
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    cutoff = timezone.now() - lost_after()
    workers = [{"beat": beat, "alive": beat.seen_at >= cutoff} for beat in WorkerBeat.objects.all()]
    runs = {run.name: run for run in ScheduledRun.objects.all()}
    return render(
        request,
        "background/index.html",
        {
            "uses_workers": uses_workers(),
            "lost_after_seconds": int(lost_after().total_seconds()),
            "workers": workers,
            "alive": sum(1 for w in workers if w["alive"]),
            "jobs": [
                {"name": KINDS.get(path, (name,))[0], "at": at, "run": runs.get(name)}
                for name, (path, at) in schedule.entries().items()
            ],
            "page": page,
            "tasks": task_rows(page.object_list),
            "status": status,
            "statuses": list(STATUS_LABELS.items()),
            "counts": {
                STATUS_LABELS[s]: DBTaskResult.objects.filter(status=s).count()
                for s in (TaskResultStatus.READY, TaskResultStatus.RUNNING)
            },
            "active_nav": "",
        },
    )
