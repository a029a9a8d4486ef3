from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-up/", views.sign_up, name="sign_up"),
    path("profile/", views.profile, name="profile"),
    path("profile/notifications/", views.notification_preferences, name="notification_preferences"),
    path("sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("sso/start/", views.SsoStartView.as_view(), name="sso_start"),
    path("sso/callback/", views.SsoCallbackView.as_view(), name="sso_callback"),
    path("sign-out/", views.SignOutView.as_view(), name="sign_out"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
