from __future__ import annotations

import datetime as dt
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.http.request import validate_host
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.models import AbstractApplication, ApplicationManager
from oauth2_provider.settings import oauth2_settings

from accounts.redirects import ChatGPTCallbacks, gpt_id_from
from accounts.signing_keys import active_private_key_pem, parsed_jwk
from accounts.token_format import ALGORITHM


class User(AbstractUser):
    """A person who signs in; roles come from `roles.RoleAssignment`."""

    class Meta(AbstractUser.Meta):
        # SCIM's userName is case-insensitive: directories look users up with `userName eq "…"`.
        indexes = [models.Index(Upper("username"), name="user_username_upper")]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def default_scopes() -> str:
    """What a new connection grants when a client asks for no scope: DOT's ``DEFAULT_SCOPES`` setting."""
    return " ".join(oauth2_settings.DEFAULT_SCOPES)


class ConnectionQuerySet(models.QuerySet):
    def never_signed_in(self, *, created_before: dt.datetime) -> ConnectionQuerySet:
        """Self-registered connections older than `created_before` through which no one ever completed a sign-in."""
        return self.exclude(registration_source=AbstractApplication.RegistrationSource.MANUAL).filter(
            last_sign_in_at__isnull=True, created__lt=created_before
        )


class Application(AbstractApplication):
    """
    A connection: what one OAuth client (a GPT, an MCP client such as Claude, any other app)
    signs users in through. DOT calls it an application, and the swapped model keeps that name;
    everywhere else Rolegate calls it a connection.

    Adds to DOT's application what ChatGPT needs: callback URLs that follow the GPT when its
    id changes, PKCE optional for confidential GPT connections, and default scopes used when
    the GPT editor's Scope field is left empty.
    """

    chatgpt_callbacks = models.CharField(
        "ChatGPT callback URLs",
        max_length=10,
        choices=ChatGPTCallbacks.choices,
        default=ChatGPTCallbacks.EXACT,
        help_text=(
            "How ChatGPT's callback URL is accepted. 'Any GPT' accepts "
            "https://chatgpt.com/aip/g-<id>/oauth/callback (and chat.openai.com) for any GPT id, so "
            "editing the GPT's Actions does not break sign-in."
        ),
    )
    pinned_gpt_ids = models.TextField(
        "pinned GPT ids",
        blank=True,
        default="",
        help_text=(
            "With 'Listed GPTs only': the GPT ids (g-…) accepted, separated by spaces. Pasting a whole "
            "callback URL works too: its id is kept."
        ),
    )
    require_pkce = models.BooleanField(
        "require PKCE",
        default=True,
        help_text="ChatGPT's GPT Actions do not send PKCE; public clients must always use it.",
    )
    default_scopes = models.CharField(
        max_length=255,
        default=default_scopes,
        help_text="Scopes granted when the client asks for none (ChatGPT's Scope field left empty).",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text=(
            "Untick to cut this connection off: sign-in, code exchange and refresh then answer invalid_client. "
            "Access tokens already issued lapse within their lifetime."
        ),
    )

    is_resource_server = models.BooleanField(
        "resource server",
        default=False,
        help_text=(
            "May introspect tokens (RFC 7662) with its client credentials, and only tokens of the "
            "audience below. Tick only for an API of your own that checks tokens by asking the portal."
        ),
    )
    resource_server_audience = models.CharField(
        "introspects tokens for",
        max_length=255,
        blank=True,
        default="",
        help_text="The audience (aud) of the tokens it may introspect: the API's or the MCP endpoint's URL.",
    )
    last_sign_in_at = models.DateTimeField(
        "last completed sign-in",
        null=True,
        blank=True,
        editable=False,
        help_text="When a user last completed a sign-in through it (a code exchanged for tokens).",
    )

    objects = ApplicationManager.from_queryset(ConnectionQuerySet)()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = "OAuth connection"

    def redirect_uri_allowed(self, uri: str) -> bool:
        """Exact registered URIs, plus ChatGPT's callback when this connection accepts it."""
        return ChatGPTCallbacks.allows(
            mode=self.chatgpt_callbacks, pinned_ids=self.pinned_gpt_ids.split(), uri=uri
        ) or super().redirect_uri_allowed(uri)

    @property
    def jwk_key(self):
        """DOT's ID-token signing key: the active key, parsed once per process rather than at every use."""
        if self.algorithm == self.RS256_ALGORITHM:
            return parsed_jwk(str(active_private_key_pem))
        return super().jwk_key

    def pkce_required(self) -> bool:
        return self.require_pkce or self.client_type == self.CLIENT_PUBLIC

    def is_usable(self, request) -> bool:
        """DOT asks this at every authorization and token request: a disabled connection is unknown."""
        return self.is_active

    @property
    def is_self_registered(self) -> bool:
        """Registered by the client itself (RFC 7591 or a Client ID Metadata Document), not an admin."""
        return self.registration_source != self.RegistrationSource.MANUAL

    def clean(self) -> None:
        if self.is_self_registered:
            self._clean_self_registered()
        self._clean_resource_server()
        self._clean_pinned_gpt_ids()
        if self.chatgpt_callbacks == ChatGPTCallbacks.PINNED and not self.pinned_gpt_ids.split():
            raise ValidationError({"pinned_gpt_ids": "List at least one GPT id (g-…) or choose 'Any GPT'."})
        if (
            self.chatgpt_callbacks == ChatGPTCallbacks.EXACT
            and self.authorization_grant_type == self.GRANT_AUTHORIZATION_CODE
            and not self.redirect_uris.strip()
        ):
            raise ValidationError(
                {
                    "redirect_uris": "Paste the callback URL ChatGPT shows under the GPT's OAuth settings, "
                    "or accept ChatGPT callbacks by pattern ('Any GPT')."
                }
            )
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict({})
            if self.chatgpt_callbacks != ChatGPTCallbacks.EXACT and not self.redirect_uris.strip():
                # DOT's only complaint about no redirect URIs is that the code grant needs one;
                # here the ChatGPT pattern stands in for it.
                errors.pop("redirect_uris", None)
            if errors:
                raise ValidationError(errors) from None

    def _clean_self_registered(self) -> None:
        """Anyone may register: only known connector callbacks, and ID tokens signed like every other."""
        from accounts.registration import disallowed_redirect_uris

        if self.authorization_grant_type != self.GRANT_AUTHORIZATION_CODE:
            raise ValidationError(
                {"authorization_grant_type": "A registered client may only use the authorization code."}
            )
        confidential_allowed = ClientRegistrationPolicy.current().allow_confidential_clients
        if self.client_type == self.CLIENT_CONFIDENTIAL and not confidential_allowed:
            raise ValidationError({"client_type": "Register a public client (token_endpoint_auth_method 'none')."})
        refused = disallowed_redirect_uris(self.redirect_uris.split())
        if refused:
            raise ValidationError(
                {
                    "redirect_uris": f"Not a known ChatGPT or Claude callback: {' '.join(refused)}. "
                    "Ask the portal's admin to list it under the client registration policy."
                }
            )
        self.algorithm = self.algorithm or self.RS256_ALGORITHM

    def _clean_resource_server(self) -> None:
        from accounts.resources import known_resources

        if self.is_resource_server and self.resource_server_audience not in known_resources():
            raise ValidationError(
                {"resource_server_audience": "Choose one of this portal's audiences: " + ", ".join(known_resources())}
            )

    def _clean_pinned_gpt_ids(self) -> None:
        entries = self.pinned_gpt_ids.split()
        ids = [gpt_id_from(entry) for entry in entries]
        invalid = [entry for entry, gpt_id in zip(entries, ids, strict=True) if gpt_id is None]
        if invalid:
            raise ValidationError(
                {
                    "pinned_gpt_ids": f"Not a GPT id or ChatGPT callback URL: {', '.join(invalid)}. "
                    "A GPT id looks like g-AbC123 (from https://chatgpt.com/aip/g-AbC123/oauth/callback)."
                }
            )
        self.pinned_gpt_ids = " ".join(dict.fromkeys(ids))


class GptConnection(Application):
    """An `Application` as a GPT builder sees it: the values to paste into the GPT editor."""

    class Meta:
        proxy = True
        verbose_name = "GPT connection"


class SigningKeyQuerySet(models.QuerySet):
    def published(self) -> SigningKeyQuerySet:
        """Keys whose signatures the portal still honours (and lists in its JWKS)."""
        return self.filter(retired_at__isnull=True)

    def active(self) -> SigningKey | None:
        """The newest published key already in force: the one that signs new tokens."""
        return self.published().filter(activates_at__lte=timezone.now()).order_by("-activates_at", "-pk").first()

    def retirable(self, *, now: dt.datetime, tokens_live_for: dt.timedelta) -> SigningKeyQuerySet:
        """Published keys that stopped signing long enough ago that every token they signed has expired."""
        return self.published().filter(rotated_at__isnull=False, rotated_at__lte=now - tokens_live_for)

    def generate(self, *, activates_at: dt.datetime | None = None) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        kid = jwk.JWK.from_pem(pem.encode()).thumbprint()
        now = timezone.now()
        return self.create(kid=kid, private_key_pem=pem, created_at=now, activates_at=activates_at or now)


class SigningKey(models.Model):
    """An RSA key pair; `kid` is the RFC 7638 thumbprint, as DOT computes it for ID tokens."""

    kid = models.CharField(max_length=64, unique=True, editable=False)
    private_key_pem = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Published from created_at, signing from activates_at: the gap lets every process and
    # every client refresh its copy of the JWKS before the first token with this kid exists.
    activates_at = models.DateTimeField(default=timezone.now, editable=False)
    # When a newer key took over signing; retirable once every token this key signed expired.
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid

    @property
    def public_jwk(self) -> dict:
        key = jwk.JWK.from_pem(self.private_key_pem.encode())
        return {**key.export_public(as_dict=True), "kid": self.kid, "use": "sig", "alg": ALGORITHM}


#: Hosts whose Client ID Metadata Documents are fetched by default: Claude's and ChatGPT's.
DEFAULT_METADATA_HOSTS = ".claude.ai .claude.com .chatgpt.com .openai.com"


class ClientRegistrationPolicy(models.Model):
    """
    The one row that says whether MCP clients may register, and from where.

    A setting (``CLIENT_REGISTRATION_ENABLED``) turns registration on for a deployment; this row
    lets an admin close it at run time without a restart, and narrow where client metadata may
    come from and which extra callbacks a registered client may use.
    """

    registration_open = models.BooleanField(
        default=True,
        help_text=(
            "MCP clients (ChatGPT apps, Claude connectors) may register themselves. Connections "
            "they registered keep working while registration is closed; disable them under "
            "OAuth connections."
        ),
    )
    metadata_hosts = models.TextField(
        "client metadata hosts",
        blank=True,
        default=DEFAULT_METADATA_HOSTS,
        help_text=(
            "Hosts whose Client ID Metadata Documents may be fetched, separated by spaces "
            "('.example.com' also allows its subdomains). Empty: no client may register by URL."
        ),
    )
    allow_confidential_clients = models.BooleanField(
        default=False,
        help_text=(
            "Registered clients may also be confidential (a client secret besides PKCE). Off: only public "
            "clients with PKCE S256, which is all ChatGPT and Claude need."
        ),
    )
    extra_redirect_uris = models.TextField(
        "extra redirect URIs",
        blank=True,
        default="",
        help_text=(
            "Exact https callback URLs, separated by spaces, that a registered client may use besides "
            "the known ChatGPT and Claude callbacks."
        ),
    )

    class Meta:
        verbose_name = verbose_name_plural = "client registration policy"

    def __str__(self) -> str:
        return "Client registration: " + ("open" if self.registration_open else "closed")

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # a single row
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> ClientRegistrationPolicy:
        return cls.objects.get_or_create(pk=1)[0]

    def allows_metadata_host(self, host: str | None) -> bool:
        return bool(host) and validate_host(host, self.metadata_hosts.split())

    def allows_extra_redirect_uri(self, uri: str) -> bool:
        return uri in self.extra_redirect_uris.split()


class AuthorizationCodeRedemptionQuerySet(models.QuerySet):
    def for_code(self, *, code: str, connection) -> AuthorizationCodeRedemption | None:
        return self.filter(code_checksum=code_checksum(code), application=connection).first()

    def redeemed_before(self, moment: dt.datetime) -> AuthorizationCodeRedemptionQuerySet:
        """Sign-ins older than `moment`: past their absolute lifetime, nothing left to revoke on replay."""
        return self.filter(redeemed_at__lt=moment)


class AuthorizationCodeRedemption(models.Model):
    """
    An authorization code that was exchanged, and the refresh-token family issued for it.

    DOT deletes a grant when its code is exchanged, so a replayed code would only get
    `invalid_grant`. RFC 6749 §4.1.2 and RFC 9700 §4.5 ask more: a code used twice is a code that
    leaked, and the tokens issued from it must be revoked. Only a checksum of the code is kept.
    """

    code_checksum = models.CharField(max_length=64, unique=True, editable=False)
    application = models.ForeignKey("accounts.Application", on_delete=models.CASCADE, related_name="+", editable=False)
    token_family = models.UUIDField(null=True, editable=False, db_index=True)
    redeemed_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = AuthorizationCodeRedemptionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"code redeemed by {self.application_id} at {self.redeemed_at:%Y-%m-%d %H:%M:%S}"


def code_checksum(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


from accounts.consent.models import ConsentApproval  # noqa: E402,F401
from accounts.devices.models import DeviceSession  # noqa: E402,F401

# Federated sign-in's models live in their own module; importing them here registers them.
from accounts.federation.models import EmailDomain, GroupMapping, IdentityProvider  # noqa: E402,F401
from accounts.invitations.models import Invitation  # noqa: E402,F401
from accounts.mfa.models import GrantAuthentication, MfaPolicy  # noqa: E402,F401
from accounts.scim.models import ScimClient, ScimGroup, ScimUser  # noqa: E402,F401  (models of this app)
