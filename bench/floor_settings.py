"""
The true floor's settings: the bench settings with only the middleware of a bare Django project.

No request ids, no metrics, no static files, no NUL check, no audit actor, no Action-call log,
no CSP and no lockout: what a plain DRF deployment of the same list pays. Only the benchmark
runner serves these (a gunicorn of its own, and the in-process timing).
"""

from bench.settings import *  # noqa: F403

#: `django-admin startproject`'s middleware, unchanged.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
