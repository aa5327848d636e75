from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django_q.signals import post_execute_in_worker, post_spawn, pre_execute

        from notifications import queue
        from notifications.warm_up import warm_up

        post_spawn.connect(warm_up, dispatch_uid="notifications-warm-up")
        pre_execute.connect(queue.task_started, dispatch_uid="notifications-task-started")
        post_execute_in_worker.connect(queue.task_finished, dispatch_uid="notifications-task-done")
