from django.urls import path

from edrops.profile import views

urlpatterns = [path("profile", views.profile, name="profile")]
