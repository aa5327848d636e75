"""URLs of the notifications app, included at the site root by edrops/urls.py."""

urlpatterns: list = []
