from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from notifications.warm_up import warm_up

        post_spawn.connect(warm_up, dispatch_uid="notifications-warm-up")
