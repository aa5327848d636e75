"""An in-process worker for tests: run what is in django-q2's ORM queue, in order, until empty
(tasks that enqueue more tasks included). The same task rows a real qcluster would take."""

from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.conf import Conf
from django_q.models import OrmQ

SKIP = {"edrops.tasks.worker_check_in"}


def run_queued_tasks(*, limit: int = 1000) -> list[tuple[str, tuple]]:
    """Returns (function path, args) of every task it ran."""
    ran = []
    for _ in range(limit):
        row = OrmQ.objects.order_by("id").first()
        if row is None:
            return ran
        task = row.task
        row.delete()
        func = task["func"]
        if func in SKIP:
            continue
        import_string(func)(*task["args"], **task["kwargs"])
        ran.append((func, task["args"]))
    raise AssertionError(f"the queue never emptied after {limit} tasks")


def taken_by_a_worker_that_died() -> int:
    """Every queued task as a worker leaves it when it is killed after taking them: locked
    until Q_RETRY from now, as django-q2's ORM broker does. Returns how many."""
    return OrmQ.objects.update(lock=timezone.now() + timedelta(seconds=Conf.RETRY))
