"""Guards that hold however a change is made (admin, service, shell)."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver

from roles.graph import ensure_no_cycle
from roles.models import Role
from roles.revocations import access_revoke, user_access_revoke


@receiver(m2m_changed, sender=Role.includes.through, dispatch_uid="roles_reject_inclusion_cycles")
def reject_inclusion_cycles(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """`role.includes.add(...)` / `.set(...)` (and the reverse side) may never close a cycle."""
    if action != "pre_add" or not pk_set:
        return
    if reverse:  # `instance` becomes included by each role of pk_set
        for role_id in pk_set:
            ensure_no_cycle(role_id=role_id, included_ids=[instance.pk])
    else:
        ensure_no_cycle(role_id=instance.pk, included_ids=pk_set)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="roles_remember_user_active")
def remember_user_active(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    instance._was_active = sender._base_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="roles_revoke_on_deactivation")
def revoke_access_on_deactivation(sender, instance, created, raw=False, **kwargs) -> None:
    """A deactivated user's tokens stop working now, not when they expire."""
    was_active = instance.__dict__.pop("_was_active", None)
    if raw or created or not was_active or instance.is_active:
        return
    user_access_revoke(users=sender._base_manager.filter(pk=instance.pk), reason="account deactivated")


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="roles_revoke_on_deletion")
def revoke_access_on_deletion(sender, instance, **kwargs) -> None:
    """A deleted user's tokens stop working now: the revocation row outlives the user (see AccessRevocation)."""
    access_revoke(users=sender._base_manager.filter(pk=instance.pk), reason="account deleted", end_grants=False)
