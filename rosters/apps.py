from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "rosters"
    verbose_name = "Rosters"

    def ready(self) -> None:
        from rosters import signals  # the models exist only once the app is ready

        signals.connect()
