from django.urls import path
from rest_framework.routers import SimpleRouter

from actions_api import views

app_name = "api"

router = SimpleRouter(trailing_slash=False)
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("documents", views.DocumentViewSet, basename="document")

urlpatterns = [path("me", views.MeView.as_view(), name="me"), *router.urls]
