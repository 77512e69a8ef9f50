from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import videoeditor.converters  # noqa: F401  (registers <id:...>)
from accounts import views as account_views
from exports import share_views
from exports import views as export_views
from games import views as game_views
from videoeditor import api, login_throttle, views

urlpatterns = [
    path("", views.home, name="home"),
    path("games/new/", game_views.game_new, name="game-new"),
    path("games/<id:game_id>/", game_views.game_annotate, name="game-annotate"),
    path("projects/new/", export_views.project_new, name="project-new"),
    path("projects/<id:project_id>/", export_views.project_framing, name="project-framing"),
    path("projects/<id:project_id>/edit/", export_views.project_edit, name="project-edit"),
    path("projects/<id:project_id>/overlay/", export_views.project_overlay, name="project-overlay-page"),
    path("gallery/", export_views.gallery, name="gallery"),
    path("s/", include(share_views.urlpatterns)),
    # The old sign-in address redirects to allauth's (accounts.views.LoginView).
    path("login/", account_views.login_redirect, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/login/", login_throttle.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/health", api.HealthView.as_view(), name="api-health"),
    path("api/auth/token", login_throttle.ObtainAuthTokenView.as_view(), name="api-token"),
    path("api/me", api.MeView.as_view(), name="api-me"),
    path("api/vocabulary", api.VocabularyView.as_view(), name="api-vocabulary"),
    path("api/", include("games.urls")),
    path("api/", include("exports.urls")),
    path("api/", include("notifications.urls")),
    path("api/", include("accounts.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# JSON under /api/, Django's pages elsewhere (only used with DEBUG off).
handler404 = "videoeditor.error_views.not_found"
handler500 = "videoeditor.error_views.server_error"
