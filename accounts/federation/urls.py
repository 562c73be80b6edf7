from django.urls import include, path
from django.views.generic import RedirectView

from accounts.federation import views

urlpatterns = [
    path("accounts/login/with/<slug:slug>/", views.sign_in_with, name="federated-sign-in"),
    # allauth's own start URL for an OIDC IdP, served by ours (an unreachable IdP gets a page, not a 500).
    path("auth/oidc/<slug:slug>/login/", views.sign_in_with),
    path("auth/saml/<slug:slug>/login/", views.sign_in_with),
    path("auth/saml/<slug:organization_slug>/acs/finish/", views.saml_finish_acs),
    # One sign-in page: allauth's would skip home-realm discovery and the lockout page.
    path("auth/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("auth/", include("allauth.urls")),
]
