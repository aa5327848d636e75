"""URLs of the rosters app, included at the site root by edrops/urls.py."""

urlpatterns: list = []
