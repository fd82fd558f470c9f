from django.urls import path

from hocbaso.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/second-factor/", views.verify, name="verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/second-factor/", views.enrol, name="enrol"),
    path("account/password/", views.password, name="password"),
]
