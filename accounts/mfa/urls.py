from django.urls import include, path

from accounts.mfa import views

urlpatterns = [
    path("accounts/mfa/", views.mfa_settings, name="mfa-settings"),
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa-verify"),
    path("accounts/mfa/authenticator/", views.mfa_authenticator, name="mfa-authenticator"),
    path("accounts/mfa/passkey/", views.mfa_passkey, name="mfa-passkey"),
    path("accounts/mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa-recovery-codes"),
    path("accounts/mfa/<str:kind>/<int:pk>/remove/", views.mfa_device_remove, name="mfa-device-remove"),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
]
