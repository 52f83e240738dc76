"""Login through the government identity provider (OpenID Connect; DESIGN §5, issue 14).

The protocol is django-allauth's `openid_connect` provider: discovery, the authorization code
flow with PKCE, the state parameter (kept in the session and used once), and the ID token's
issuer, audience and expiry checked with PyJWT. This module adds only what allauth leaves out
and what the portal needs on top:

- allauth skips the ID token's *signature* when it fetched the token itself over TLS (the
  specification allows that); we always check it against the provider's published keys, so a
  token altered on the way is refused however it arrived.
- allauth sends no `nonce`; `GovernmentProvider` adds one to each authorization request and
  `GovernmentOAuth2Adapter` accepts an ID token only with a nonce this session asked for and
  has not used yet (a replayed nonce is refused).
- The national register number, if the provider sends it, is replaced by a keyed hash (HMAC)
  before allauth stores the claims; the number itself is never kept or shown.
- After a login, the claims are turned into the portal's facts (accounts/services.py): the
  mandates into memberships, the level of assurance (`acr`) into "counts as two-factor" for
  this session (accounts/middleware.py), a changed e-mail address into the account's new one.
- Logging out also ends the session at the provider when it announces an
  `end_session_endpoint` (RP-initiated logout).

Everything is configured from the environment (portal/settings.py, README "Government login");
without OIDC_SERVER_URL and OIDC_CLIENT_ID there is no provider and nothing here runs.
"""

from __future__ import annotations

import json
import logging
import secrets
from urllib.parse import urlencode

import requests
from allauth.account.internal.decorators import login_not_required
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from . import kbo, services
from .adapter import AccountAdapter as PortalAccountAdapter

PROVIDER_ID = "government"
NONCES_SESSION_KEY = "oidc_nonces"
# The user id whose login at the provider counted as two-factor (accounts/middleware.py).
TWO_FACTOR_SESSION_KEY = "oidc_two_factor_user"
PENDING_MANDATES_SESSION_KEY = "oidc_pending_mandates"
# Set when the session logged in through the provider (so logging out ends the session there too).
LOGIN_SESSION_KEY = "oidc_login"
HMAC_KEY_SALT = "oproep.accounts.national-register-number"
MAX_OPEN_NONCES = 5

logger = logging.getLogger(__name__)


def is_configured() -> bool:
    return bool(settings.OIDC_SERVER_URL and settings.OIDC_CLIENT_ID)


def national_register_hmac(number: str) -> str:
    """A keyed hash of a national register number: equal numbers give equal hashes, and without
    the portal's secret key the number cannot be found back from it."""
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    return salted_hmac(HMAC_KEY_SALT, digits, algorithm="sha256").hexdigest()


def _claims(sociallogin) -> dict:
    return (sociallogin.account.extra_data or {}).get("id_token") or {}


class GovernmentProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider with a nonce on every authorization request and the
    national register number hashed before the claims are stored."""

    # allauth includes the URLs of a provider's package: those of openid_connect, not ours.
    package = "allauth.socialaccount.providers.openid_connect"

    def get_redirect_from_request_kwargs(self, request):
        kwargs = super().get_redirect_from_request_kwargs(request)
        nonce = secrets.token_urlsafe(32)
        open_nonces = request.session.get(NONCES_SESSION_KEY, [])[-(MAX_OPEN_NONCES - 1) :]
        request.session[NONCES_SESSION_KEY] = [*open_nonces, nonce]
        kwargs["auth_params"]["nonce"] = nonce
        return kwargs

    def extract_extra_data(self, data):
        data = super().extract_extra_data(data)
        claim = settings.OIDC_CLAIM_NATIONAL_REGISTER
        if claim and isinstance(data, dict):
            for part in ("id_token", "userinfo"):
                number = (data.get(part) or {}).pop(claim, None)
                if number:
                    data["national_register_hmac"] = national_register_hmac(number)
        return data


class GovernmentOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        # Always verify the signature (allauth skips it for a token it fetched itself).
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        open_nonces = self.request.session.get(NONCES_SESSION_KEY, [])
        nonce = claims.get("nonce")
        if not nonce or nonce not in open_nonces:
            raise OAuth2Error("ID token nonce unknown or already used")
        open_nonces.remove(nonce)
        self.request.session[NONCES_SESSION_KEY] = open_nonces
        return claims


# allauth's two views, with our adapter (same URLs; portal/urls.py puts them first).
@login_not_required
def login(request, provider_id):
    try:
        return OAuth2LoginView.adapter_view(GovernmentOAuth2Adapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except (requests.RequestException, ValueError, KeyError):
        # Discovery failed: the provider is down or answers nonsense. (The callback has
        # allauth's own handling, which ends in on_authentication_error below.)
        logger.warning("Government login: the identity provider cannot be reached", exc_info=True)
        messages.error(
            request,
            _("The government login cannot be reached right now. Try again later, or log in with your e-mail address."),
        )
        return redirect("account_login")


@login_not_required
def callback(request, provider_id):
    try:
        return OAuth2CallbackView.adapter_view(GovernmentOAuth2Adapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """A refused answer from the provider (unknown or replayed state, bad signature, wrong
        audience, expired token, unknown nonce) ends on the login page with a message; nothing
        has been created by then."""
        super().on_authentication_error(request, provider, error, exception, extra_context)
        logger.warning("Government login refused: %s %r", error, exception)
        if error == "cancelled":
            message = _("You cancelled logging in with %(provider)s.")
        else:
            message = _(
                "Logging in with %(provider)s did not succeed: the answer of the identity provider "
                "could not be verified or was already used. Nothing was changed; please try again."
            )
        messages.error(request, message % {"provider": provider.name})
        raise ImmediateHttpResponse(redirect("account_login"))

    def pre_social_login(self, request, sociallogin):
        """Linking: an account is linked to one government identity, once, by its owner after
        logging in to it; a government login with the e-mail address of an account that is not
        linked yet says so instead of creating a second account or taking the first one over."""
        if sociallogin.state.get("process") != "connect" and not sociallogin.is_existing:
            email = _claims(sociallogin).get("email") or ""
            if email and get_user_model().objects.filter(email__iexact=email).exists():
                messages.info(
                    request,
                    _(
                        "An account with this e-mail address already exists. Log in to it with your "
                        "password, then link the government login under Account settings."
                    ),
                )
                raise ImmediateHttpResponse(redirect("account_login"))
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            linked = SocialAccount.objects.filter(user=request.user, provider=sociallogin.account.provider)
            if linked.exclude(uid=sociallogin.account.uid).exists():
                messages.error(request, _("Your account is already linked to another government login."))
                raise ImmediateHttpResponse(redirect("socialaccount_connections"))

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = _claims(sociallogin)
        user.full_name = (
            claims.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        )[:150]
        return user


class AccountAdapter(PortalAccountAdapter):
    """The portal's account adapter (e-mails in the portal's name) that also logs out at the
    government's identity provider when the session logged in there."""

    def get_logout_redirect_url(self, request):
        # Asked before the session ends (allauth's LogoutView), so it still knows how the
        # person logged in.
        if request.user.is_authenticated and (end_session := _end_session_url(request)):
            return end_session
        return super().get_logout_redirect_url(request)


def _end_session_url(request) -> str | None:
    """The provider's logout address when this session logged in there and the provider
    offers RP-initiated logout; None otherwise (or when the provider cannot be reached)."""
    if not request.session.get(LOGIN_SESSION_KEY) or not is_configured():
        return None
    try:
        provider = DefaultSocialAccountAdapter().get_provider(request, PROVIDER_ID)
        endpoint = GovernmentOAuth2Adapter(request, PROVIDER_ID).openid_config.get("end_session_endpoint")
    except (requests.RequestException, ValueError, SocialApp.DoesNotExist):
        return None
    if not endpoint:
        return None
    # No id_token_hint: that would mean keeping the ID token, which carries the national
    # register number, in the session. The client id identifies us instead (RP-Initiated
    # Logout 1.0 allows it; the provider may then ask the person to confirm).
    back = request.build_absolute_uri(reverse("account_login"))
    return f"{endpoint}?{urlencode({'client_id': provider.app.client_id, 'post_logout_redirect_uri': back})}"


def parse_mandates(value) -> list[services.Mandate]:
    """The mandates claim: a list of {"kbo": "0123456749", "role": "legal_representative",
    "name": "…"} (a JSON text of such a list is accepted too, as some providers send user
    attributes as text). Entries without a valid enterprise number are left out."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, dict):
        value = [value]
    mandates = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, str):
            try:
                entry = json.loads(entry)
            except ValueError:
                continue
        if not isinstance(entry, dict):
            continue
        try:
            number = kbo.validate(str(entry.get("kbo", "")))
        except ValidationError:
            logger.warning("Mandate with an invalid enterprise number left out")
            continue
        mandates.append(
            services.Mandate(kbo_number=number, role=str(entry.get("role", ""))[:64], name=str(entry.get("name", "")))
        )
    return mandates


def after_login(request, user, sociallogin, response=None) -> None:
    """Turn the verified claims of a login (or of linking an account) into the portal's facts.
    With mandates for organisations the portal does not know yet, the login goes on to the page
    where the person picks their kind (and from there to where it was going)."""
    extra = sociallogin.account.extra_data or {}
    claims = _claims(sociallogin)
    session = request.session
    session[LOGIN_SESSION_KEY] = True
    acr = claims.get(settings.OIDC_CLAIM_ACR)
    if acr is not None and str(acr) in settings.OIDC_ACR_TWO_FACTOR:
        session[TWO_FACTOR_SESSION_KEY] = user.pk
    else:
        session.pop(TWO_FACTOR_SESSION_KEY, None)
    verified_email = claims.get("email") if claims.get("email_verified") in (True, "true") else ""
    services.record_government_identity(
        user,
        email=verified_email or "",
        name=claims.get("name") or "",
        national_register_hmac=extra.get("national_register_hmac", ""),
    )
    pending = services.apply_mandates(user, parse_mandates(claims.get(settings.OIDC_CLAIM_MANDATES)))
    if pending:
        session[PENDING_MANDATES_SESSION_KEY] = [m.as_dict() for m in pending]
        if response is not None and response.has_header("Location"):
            kinds = reverse("accounts:mandate_kinds")
            response["Location"] = f"{kinds}?{urlencode({'next': response['Location']})}"
    else:
        session.pop(PENDING_MANDATES_SESSION_KEY, None)


def forget_login(request) -> None:
    """A login without the provider (e-mail and password) carries none of its assurance."""
    for key in (LOGIN_SESSION_KEY, TWO_FACTOR_SESSION_KEY, PENDING_MANDATES_SESSION_KEY):
        request.session.pop(key, None)


def pending_mandates(request) -> list[services.Mandate]:
    return [services.Mandate(**m) for m in request.session.get(PENDING_MANDATES_SESSION_KEY, [])]
