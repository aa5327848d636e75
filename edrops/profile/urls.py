from django.urls import path

from edrops.profile import views

urlpatterns = [
    path("profile", views.profile, name="profile"),
    path("profile/test-page", views.test_page, name="profile-test-page"),
    path("profile/tokens/<str:token_key>/revoke", views.revoke_token, name="revoke-token"),
]
