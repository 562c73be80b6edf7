from django.urls import path

from accounts.devices import views

urlpatterns = [
    path("accounts/devices/", views.device_sessions, name="device-sessions"),
    path("accounts/devices/<int:pk>/end/", views.device_session_end, name="device-session-end"),
    path("accounts/devices/end-others/", views.device_sessions_end_others, name="device-sessions-end-others"),
]
