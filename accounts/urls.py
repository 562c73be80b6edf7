from django.urls import path
from oauth2_provider import views as oauth_views

from accounts import oauth_views as endpoints
from accounts import views

oauth_urlpatterns = (
    [
        path("authorize/", views.ConsentView.as_view(), name="authorize"),
        path("token/", endpoints.TokenView.as_view(), name="token"),
        path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
        path("introspect/", endpoints.ResourceServerIntrospectionView.as_view(), name="introspect"),
        path("userinfo/", oauth_views.UserInfoView.as_view(), name="user-info"),
        # RFC 7591/7592 dynamic client registration (404 unless CLIENT_REGISTRATION_ENABLED).
        path("register/", endpoints.RegistrationView.as_view(), name="dcr-register"),
        path(
            "register/<str:client_id>/",
            oauth_views.DynamicClientRegistrationManagementView.as_view(),
            name="dcr-register-management",
        ),
    ],
    "oauth2_provider",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/apps/", views.connection_list, name="connections"),
    # By primary key: a client id may be a URL (a Client ID Metadata Document), which no path segment holds.
    path("accounts/apps/<int:pk>/revoke/", views.connection_revoke, name="connection-revoke"),
    path(".well-known/openid-configuration", views.server_metadata, name="openid-configuration"),
    path(".well-known/oauth-authorization-server", views.server_metadata, name="oauth-authorization-server"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
