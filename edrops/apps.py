from django.apps import AppConfig


class EdropsConfig(AppConfig):
    name = "edrops"
    verbose_name = "Events"
