from django.urls import path

from accounts.passwords import views

urlpatterns = [
    path("accounts/password/reset/", views.ResetRequestView.as_view(), name="password-reset"),
    path("accounts/password/reset/sent/", views.ResetSentView.as_view(), name="password-reset-sent"),
    path("accounts/password/reset/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="password-reset-confirm"),
    path("accounts/password/reset/done/", views.ResetCompleteView.as_view(), name="password-reset-complete"),
    path("accounts/password/change/", views.ChangeView.as_view(), name="password-change"),
    path("accounts/password/change/done/", views.ChangeDoneView.as_view(), name="password-change-done"),
]
