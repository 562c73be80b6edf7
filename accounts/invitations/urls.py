from django.urls import path

from accounts.invitations import views

urlpatterns = [
    path("accounts/invitations/<int:invitation_id>/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
