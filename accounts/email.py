"""Emails to users (password reset, invitations): plain text and HTML; their links are `absolute_url`s."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import loader

logger = logging.getLogger(__name__)


def email_compose(*, to: str, template: str, context: dict) -> EmailMultiAlternatives:
    """`template` names three files: `<template>_subject.txt`, `<template>.txt` and `<template>.html`."""
    subject = "".join(loader.render_to_string(f"{template}_subject.txt", context).splitlines())
    message = EmailMultiAlternatives(
        subject, loader.render_to_string(f"{template}.txt", context), settings.DEFAULT_FROM_EMAIL, [to]
    )
    message.attach_alternative(loader.render_to_string(f"{template}.html", context), "text/html")
    return message


def email_send(message: EmailMultiAlternatives) -> None:
    message.send()


def email_send_in_background(*, to: str, template: str, context: dict) -> None:
    """
    Composes and sends the email in a thread, so that the response takes as long whether or not
    an email goes out (a password reset for an unknown address must look like any other).
    """
    threading.Thread(target=_compose_and_send, args=(to, template, context), daemon=True).start()


def _compose_and_send(to: str, template: str, context: dict) -> None:
    try:
        email_compose(to=to, template=template, context=context).send()
    except Exception:  # a mail server outage must not surface as anything the requester can observe
        logger.exception("Could not send the %s email", template)
