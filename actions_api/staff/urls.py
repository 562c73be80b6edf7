from django.urls import path

from actions_api.staff import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("see-what-they-see/user/<int:pk>/", views.user_sees, name="user-sees"),
    path("see-what-they-see/role/<int:pk>/", views.role_sees, name="role-sees"),
]
