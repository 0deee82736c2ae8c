from django.urls import path

from accounts import api

app_name = "accounts"

urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="token"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("customers/", api.CustomerListCreateApi.as_view(), name="customers"),
    path("customers/<int:pk>/", api.CustomerDetailApi.as_view(), name="customer"),
    path("users/", api.UserListCreateApi.as_view(), name="users"),
    path("services/", api.ServiceListCreateApi.as_view(), name="services"),
    path("services/<int:pk>/", api.ServiceDetailApi.as_view(), name="service"),
]
