"""
What is audited, and the signal receivers that record it.

Model changes are recorded from Django's model and m2m signals, so every path (admin form,
inline, service, shell) is covered; bulk writes that bypass signals are recorded by the
service that makes them. Sign-ins come from Django's auth signals and token issuance from
django-oauth-toolkit's ``app_authorized``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from oauth2_provider.signals import app_authorized

from roles.audit.context import acting_as, is_muted
from roles.audit.models import AuditEvent
from roles.audit.services import audit_event, audit_record, target_type_of
from roles.fields import clip_to_field

#: Written instead of a secret's value: the log says that it changed, never what to.
CHANGED = "(changed)"


@dataclass(frozen=True)
class Tracked:
    fields: tuple[str, ...]
    secret_fields: tuple[str, ...] = ()


#: model label -> what to record. Only these fields ever reach the log.
TRACKED: dict[str, Tracked] = {
    "roles.apipermission": Tracked(("code", "description")),
    "roles.role": Tracked(("slug", "name", "description")),
    "roles.roledatascope": Tracked(("role", "attribute", "value")),
    "roles.roleinclusion": Tracked(("role", "included_role")),
    "roles.roleassignment": Tracked(("user", "team", "role", "starts_at", "ends_at", "granted_by")),
    "roles.team": Tracked(("slug", "name", "description")),
    "roles.teammembership": Tracked(("team", "user")),
    "accounts.application": Tracked(
        (
            "name",
            "client_id",
            "user",
            "client_type",
            "authorization_grant_type",
            "redirect_uris",
            "post_logout_redirect_uris",
            "allowed_origins",
            "skip_authorization",
            "algorithm",
            "hash_client_secret",
            "chatgpt_callbacks",
            "pinned_gpt_ids",
            "require_pkce",
            "default_scopes",
        ),
        secret_fields=("client_secret",),
    ),
    "accounts.identityprovider": Tracked(
        (
            "name",
            "slug",
            "issuer",
            "client_id",
            "scopes",
            "groups_claim",
            "forbid_local_passwords",
            "allow_email_linking",
            "sign_in_max_age",
            "is_active",
        ),
        secret_fields=("client_secret",),
    ),
    "accounts.groupmapping": Tracked(("identity_provider", "group", "team")),
    "accounts.emaildomain": Tracked(("identity_provider", "domain")),
    # Second factors: enrolment (created, confirmed) and removal; never their secrets.
    "otp_totp.totpdevice": Tracked(("user", "name", "confirmed"), secret_fields=("key",)),
    "otp_static.staticdevice": Tracked(("user", "name", "confirmed")),
    "django_otp_webauthn.webauthncredential": Tracked(("user", "name", "confirmed")),
    "accounts.user": Tracked(
        ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser"),
        secret_fields=("password",),
    ),
}
#: (model label, m2m field name) -> record the whole list before/after (True), or only what was
#: added/removed (False: a team may have 100,000 members). Both sides are recorded on the model.
TRACKED_M2M = {
    ("roles.role", "permissions"): True,
    ("roles.role", "includes"): True,
    ("roles.role", "connections"): True,
    ("roles.team", "members"): False,
}


def label(obj: models.Model) -> str:
    """A short stable name for a related row: a slug, a code, a client id, a username."""
    for name in ("slug", "code", "client_id"):
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    if hasattr(obj, "get_username"):
        return obj.get_username()
    return str(obj)


def _plain(value):
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _snapshot(instance: models.Model, tracked: Tracked) -> dict:
    values = {}
    for name in tracked.fields:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    for name in tracked.secret_fields:
        values[name] = getattr(instance, instance._meta.get_field(name).attname)
    return values


def _diff(before: dict, after: dict, tracked: Tracked) -> dict:
    changes = {}
    for name in tracked.fields:
        if before.get(name) != after.get(name):
            changes[name] = [before.get(name), after.get(name)]
    for name in tracked.secret_fields:
        if before.get(name) != after.get(name):
            changes[name] = [None if before.get(name) in (None, "") else CHANGED, CHANGED]
    return changes


def _tracked(sender) -> Tracked | None:
    return None if is_muted() else TRACKED.get(sender._meta.label_lower)


# ---------------------------------------------------------------- model changes
def _remember_before(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    tracked = _tracked(sender)
    if tracked is None or raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(tracked.fields + tracked.secret_fields):
        return  # e.g. `last_login` at every sign-in: nothing audited changes
    fields = [sender._meta.get_field(name).attname for name in tracked.fields + tracked.secret_fields]
    row = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    if row is not None:
        instance._audit_before = {
            name: _plain(row[sender._meta.get_field(name).attname]) for name in tracked.fields + tracked.secret_fields
        }


def _record_save(sender, instance, created, raw=False, **kwargs) -> None:
    tracked = _tracked(sender)
    if tracked is None or raw:
        return
    after = _snapshot(instance, tracked)
    before = {} if created else getattr(instance, "_audit_before", None)
    instance.__dict__.pop("_audit_before", None)
    if before is None:
        return
    changes = _diff(before, after, tracked)
    if created:
        changes = {name: value for name, value in changes.items() if value[1] not in (None, "")}
    if not changes and not created:
        return
    audit_record(
        action=AuditEvent.Action.CREATED if created else AuditEvent.Action.UPDATED, target=instance, changes=changes
    )


def _describe_before_delete(sender, instance, **kwargs) -> None:
    """
    Notes what the delete entry will say while every related row still exists: in a cascade
    (a team with its role assignments) the rows an entry's label names may be gone by post_delete.
    """
    tracked = _tracked(sender)
    if tracked is None:
        return
    before = _snapshot(instance, tracked)
    instance.__dict__["_audit_deleted"] = {
        "target_id": str(instance.pk),
        "target_label": str(instance),
        "changes": {name: [before[name], None] for name in tracked.fields if before[name] not in (None, "")},
    }


def _record_delete(sender, instance, **kwargs) -> None:
    described = instance.__dict__.pop("_audit_deleted", None)
    if described is None or _tracked(sender) is None:
        return
    audit_record(action=AuditEvent.Action.DELETED, target_type=target_type_of(sender), **described)


# ---------------------------------------------------------------- many-to-many changes
def _record_m2m(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if action not in ("pre_add", "pre_remove", "pre_clear", "post_add", "post_remove", "post_clear"):
        return
    field, full = _m2m_field(sender)
    if field is None or is_muted():
        return
    if not full:
        _record_m2m_delta(instance, field, action, reverse, model, pk_set)
        return
    if reverse:
        # `instance` is the far side (a user joining teams, a permission added to roles):
        # record the change on each forward row, as if made from there.
        owners = list(field.model._base_manager.filter(pk__in=pk_set)) if pk_set else []
        if action.endswith("clear"):
            return  # clears from the far side happen only on deletion, recorded as such
        for owner in owners:
            _record_forward_m2m(owner, field, action, {instance.pk})
        return
    _record_forward_m2m(instance, field, action, pk_set)


def _record_forward_m2m(owner, field, action: str, pk_set) -> None:
    key = f"_audit_m2m_{field.name}"
    current = sorted(label(obj) for obj in getattr(owner, field.name).all())
    if action.startswith("pre_"):
        owner.__dict__[key] = current
        return
    before = owner.__dict__.pop(key, None)
    if before is None or before == current:
        return
    audit_record(action=AuditEvent.Action.UPDATED, target=owner, changes={field.name: [before, current]})


def _record_m2m_delta(instance, field, action: str, reverse: bool, model, pk_set) -> None:
    """Large relations: record which rows were added or removed, not the whole list."""
    key = f"_audit_clear_{field.name}"
    if action == "pre_clear" and not reverse:
        instance.__dict__[key] = sorted(label(obj) for obj in getattr(instance, field.name).all())
    if action not in ("post_add", "post_remove", "post_clear") or (reverse and action == "post_clear"):
        return
    kind = "added" if action == "post_add" else "removed"
    if reverse:  # `instance` (a user) joined or left the teams of pk_set
        for owner in model._base_manager.filter(pk__in=pk_set or ()):
            audit_record(
                action=AuditEvent.Action.UPDATED, target=owner, changes={field.name: {kind: [label(instance)]}}
            )
        return
    if action == "post_clear":
        labels = instance.__dict__.pop(key, [])
    else:
        labels = sorted(label(obj) for obj in model._base_manager.filter(pk__in=pk_set or ()))
    if labels:
        audit_record(action=AuditEvent.Action.UPDATED, target=instance, changes={field.name: {kind: labels}})


def _m2m_field(through) -> tuple[models.ManyToManyField | None, bool]:
    for (model_label, name), full in TRACKED_M2M.items():
        field = apps.get_model(model_label)._meta.get_field(name)
        if field.remote_field.through is through:
            return field, full
    return None, False


# ---------------------------------------------------------------- sign-ins and tokens
def _record_sign_in(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.SIGN_IN, target=user, actor=user, details=_request_details(request))


def _record_sign_in_failure(sender, credentials, request=None, **kwargs) -> None:
    # `credentials` holds the password (masked by Django, still): keep only the username.
    username = clip_to_field(apps.get_model("accounts.User"), "username", str(credentials.get("username", "")))
    audit_record(
        action=AuditEvent.Action.SIGN_IN_FAILED,
        target_type=target_type_of(apps.get_model("accounts.User")),
        target_label=username,
        actor=None,
        # A wrong second-factor code says so ("factor"); a wrong password does not.
        details={**_request_details(request), **({"factor": credentials["factor"]} if "factor" in credentials else {})},
    )


def token_issued_event(*, token, grant_type: str, meta) -> AuditEvent:
    """
    The (unsaved) event of a token response: who, for which connection, with which grant and
    scopes, from where (`meta`: the request's ``META``, or the headers DOT copied from it).
    """
    return audit_event(
        action=AuditEvent.Action.TOKEN_ISSUED,
        target=token.application,
        actor=token.user,
        details={
            "grant_type": grant_type,
            "scope": token.scope,
            "expires": _plain(token.expires),
            "ip": meta.get("REMOTE_ADDR", ""),
            "user_agent": meta.get("HTTP_USER_AGENT", "")[:200],
        },
    )


def _record_token_issued(sender, request, token, **kwargs) -> None:
    """
    A token response was sent. A rotated refresh grant's event was written in the statement that
    saved its token (``accounts.token_rotation``, which sets ``token.audit_event``); not twice.
    """
    if getattr(token, "audit_event", None) is not None:
        return
    user = token.user
    with acting_as(user):
        event = token_issued_event(token=token, grant_type=request.POST.get("grant_type", ""), meta=request.META)
        event.save()


def _request_details(request) -> dict:
    if request is None:
        return {}
    return {"ip": request.META.get("REMOTE_ADDR", ""), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def connect() -> None:
    for model_label in TRACKED:
        model = apps.get_model(model_label)
        uid = f"audit:{model_label}"
        pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}:pre_save")
        post_save.connect(_record_save, sender=model, dispatch_uid=f"{uid}:post_save")
        pre_delete.connect(_describe_before_delete, sender=model, dispatch_uid=f"{uid}:pre_delete")
        post_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}:post_delete")
    for model_label, name in TRACKED_M2M:
        through = apps.get_model(model_label)._meta.get_field(name).remote_field.through
        m2m_changed.connect(_record_m2m, sender=through, dispatch_uid=f"audit:{model_label}.{name}")
    user_logged_in.connect(_record_sign_in, dispatch_uid="audit:sign_in")
    user_login_failed.connect(_record_sign_in_failure, dispatch_uid="audit:sign_in_failed")
    app_authorized.connect(_record_token_issued, dispatch_uid="audit:token_issued")
