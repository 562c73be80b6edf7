"""Emails to users (password reset, invitations): plain text and HTML, links on the public base URL."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import loader

logger = logging.getLogger(__name__)


def email_compose(*, to: str, template: str, context: dict) -> EmailMultiAlternatives:
    """`template` names three files: `<template>_subject.txt`, `<template>.txt` and `<template>.html`."""
    context = {"base_url": settings.PORTAL_BASE_URL, **context}
    subject = "".join(loader.render_to_string(f"{template}_subject.txt", context).splitlines())
    message = EmailMultiAlternatives(subject, loader.render_to_string(f"{template}.txt", context),
                                     settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(loader.render_to_string(f"{template}.html", context), "text/html")
    return message


def email_send(message: EmailMultiAlternatives, *, in_background: bool = False) -> None:
    """
    Sends `message`. `in_background` hands it to a thread, so that the response takes as long
    whether or not an email went out (a reset for an unknown address must look like any other).
    """
    if in_background:
        threading.Thread(target=_send_logged, args=(message,), daemon=True).start()
    else:
        message.send()


def _send_logged(message: EmailMultiAlternatives) -> None:
    try:
        message.send()
    except Exception:  # a mail server outage must not surface as anything the requester can observe
        logger.exception("Could not send the email %r", message.subject)
