"""/accounts/...: the product's own account pages first, then django-allauth's (our
sign-in and sign-up views take allauth's names, so every link to them finds ours)."""

from django.urls import include, path

from accounts import deletion_views, views

urlpatterns = [
    path("", views.settings_page, name="account-settings"),
    path("login/", views.LoginView.as_view(), name="account_login"),
    path("signup/", views.SignupView.as_view(), name="account_signup"),
    path("invitations/", views.invitations_page, name="account-invitations"),
    path("invite/<str:key>/", views.accept_invitation, name="account-invite"),
    path("logout-everywhere/", views.logout_everywhere, name="account-logout-everywhere"),
    path("delete/", deletion_views.delete_page, name="account-delete"),
    path("deleted/", deletion_views.deleted_page, name="account-deleted"),
    path("", include("allauth.urls")),
]
