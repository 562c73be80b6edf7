"""
The true floor's settings: the bench settings with only the middleware of a bare Django project.

No request ids, no metrics, no static files, no NUL check, no audit actor, no Action-call log,
no CSP and no lockout: what a plain DRF deployment of the same list pays. Only the benchmark
runner serves these (a gunicorn of its own, and the in-process timing).
"""

from bench.settings import *  # noqa: F403

#: `django-admin startproject`'s middleware, plus the one an installed app insists on.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-allauth is installed (federated sign-in) and refuses to start without its middleware;
    # on a request outside its flows it only reads the session.
    "allauth.account.middleware.AccountMiddleware",
]
