"""The government login (accounts/oidc.py) against a REAL OpenID provider running as its own
process (portal/testing/oidc.py starts portal/testing/oidc_provider/, django-oauth-toolkit with
OpenID Connect): identity, refused answers, mandates, assurance, logout. Nothing of the
protocol is mocked: the portal's live server and the provider talk HTTP to each other."""

import json
import re
from html import unescape

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection

from accounts import kbo, oidc
from accounts.models import Membership, Organisation, User
from accounts.tests.factories import PASSWORD, OrganisationFactory, UserFactory, valid_kbo
from applications.models import Application
from applications.tests.factories import ApplicationFactory
from calls.models import CallRole
from calls.tests.factories import CallRoleFactory
from portal.models import AuditEvent

# One worker runs them all, so the provider process starts once (portal/testing/oidc.py).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.xdist_group("government-login"),
]

NRN = "85.07.30-033.28"
KBO_OWNER = valid_kbo(4401)
KBO_MEMBER = valid_kbo(4402)
REFUSED = "kon niet worden geverifieerd of werd al gebruikt"  # the refusal message (Dutch by default)


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "accounts": SocialAccount.objects.count(),
        "organisations": Organisation.objects.count(),
        "memberships": Membership.objects.count(),
    }


def messages_of(response) -> str:
    return unescape(response.text)


# --- Identity ---------------------------------------------------------------------------------


def test_first_login_creates_the_user_from_the_verified_claims(government_login):
    login = government_login()
    answer = login(sub="person-1", email="an.peeters@example.be", name="An Peeters", national_register_number=NRN)
    assert answer.status_code == 200
    user = User.objects.get(email="an.peeters@example.be")
    assert user.full_name == "An Peeters"
    assert SocialAccount.objects.get(user=user).uid == "person-1"
    assert "an.peeters@example.be" in login.get("/").text  # logged in
    assert AuditEvent.objects.filter(action="logged_in", actor=user).exists()


def test_the_authorization_request_carries_pkce_state_and_nonce(government_login):
    provider_page = government_login().start()  # the provider's login page, asking to authorize
    authorize = unescape(provider_page.url)
    for parameter in ("code_challenge_method%3DS256", "code_challenge%3D", "state%3D", "nonce%3D", "scope%3D"):
        assert parameter in authorize, parameter


def test_the_national_register_number_is_kept_only_as_a_keyed_hash_and_never_shown(government_login):
    login = government_login()
    login(sub="person-nrn", email="nrn@example.be", name="Nele Raes", national_register_number=NRN)
    user = User.objects.get(email="nrn@example.be")
    assert user.national_register_hmac == oidc.national_register_hmac(NRN)
    assert user.national_register_hmac != oidc.national_register_hmac("85.07.30-033.29")
    digits = re.sub(r"\D", "", NRN)
    # Not in any column of any table we write: users, social accounts (claims), audit trail, sessions.
    with connection.cursor() as cursor:
        for table, column in [
            ("accounts_user", "national_register_hmac"),
            ("socialaccount_socialaccount", "extra_data::text"),
            ("portal_auditevent", "data::text"),
            ("django_session", "session_data"),
        ]:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE {column} LIKE %s OR {column} LIKE %s", [f"%{digits}%", f"%{NRN}%"]
            )  # noqa: S608
            assert cursor.fetchone()[0] == 0, table
    assert "rrn" not in SocialAccount.objects.get(user=user).extra_data["id_token"]
    for page in ["/", "/my-data/", "/accounts/email/", "/organisations/"]:
        text = login.get(page).text
        assert digits not in text and NRN not in text and user.national_register_hmac not in text


def test_a_later_login_finds_the_same_user_by_subject_after_the_email_changed(government_login):
    government_login()(sub="person-2", email="old@example.be", name="Bart Claes")
    user = User.objects.get(email="old@example.be")
    login = government_login()
    answer = login(sub="person-2", email="new@example.be", name="Bart Claes")
    assert answer.status_code == 200
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.email == "new@example.be"  # the login address follows the verified claim
    assert "new@example.be" in login.get("/").text


def test_an_existing_email_account_is_linked_once_after_logging_in_to_it(government_login):
    existing = UserFactory(email="linked@example.be")
    login = government_login()
    # Logging in with the provider first does not take the account over: allauth asks to log in.
    answer = login(sub="person-link", email="linked@example.be", name="Lien Maes")
    assert answer.url.endswith("/accounts/login/")
    assert "Log daarop in met uw wachtwoord en koppel daarna de overheidslogin" in messages_of(answer)
    assert SocialAccount.objects.count() == 0
    assert User.objects.filter(email="linked@example.be").count() == 1
    assert User.objects.count() == 1, list(User.objects.values_list("email", flat=True))
    # Logged in to the account with the password, the person links the government login.
    login = government_login()
    assert login.post("/accounts/login/", {"login": existing.email, "password": PASSWORD}).ok
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.get("/accounts/3rdparty/").text).group(1)
    start = login.session.post(
        f"{login.portal}/accounts/oidc/government/login/",
        data={"csrfmiddlewaretoken": token, "process": "connect"},
        headers={"Referer": f"{login.portal}/accounts/3rdparty/"},
    )
    login.at_provider(start, sub="person-link", email="linked@example.be", name="Lien Maes")
    assert SocialAccount.objects.get(uid="person-link").user == existing
    # Once: another government identity cannot be linked to the same account.
    login.forget_provider()
    start = login.session.post(
        f"{login.portal}/accounts/oidc/government/login/",
        data={"csrfmiddlewaretoken": token, "process": "connect"},
        headers={"Referer": f"{login.portal}/accounts/3rdparty/"},
    )
    answer = login.at_provider(start, sub="someone-else", email="other@example.be", name="Other")
    assert "al gekoppeld aan een andere overheidslogin" in messages_of(answer)
    assert list(SocialAccount.objects.filter(user=existing).values_list("uid", flat=True)) == ["person-link"]
    # A later government login finds the linked account.
    government_login()(sub="person-link", email="linked@example.be", name="Lien Maes")
    assert User.objects.filter(email="linked@example.be").count() == 1


# --- Refused answers --------------------------------------------------------------------------


@pytest.mark.parametrize("switch", ["tamper_signature", "wrong_audience", "expired"])
def test_a_bad_id_token_is_refused_with_a_message_and_nothing_is_created(government_login, switch):
    login = government_login()
    answer = login(
        sub=f"bad-{switch}",
        email=f"{switch}@example.be",
        name="Bad Token",
        mandates=[{"kbo": KBO_OWNER, "role": "legal_representative"}],
        switch=switch,
    )
    assert answer.url.endswith("/accounts/login/")
    assert REFUSED in messages_of(answer)
    assert counts() == {"users": 0, "accounts": 0, "organisations": 0, "memberships": 0}
    assert login.get("/organisations/", allow_redirects=False).status_code == 302  # not logged in


def test_the_same_provider_answers_a_good_token_without_the_switch(government_login):
    """The refusals above are the portal's doing: without a switch the same flow logs in."""
    answer = government_login()(sub="good", email="good@example.be", name="Good Token")
    assert REFUSED not in messages_of(answer)
    assert User.objects.filter(email="good@example.be").exists()


def test_a_replayed_nonce_is_refused(government_login):
    government_login()(sub="person-nonce", email="nonce@example.be", name="Noor Nonce")
    before = counts()
    login = government_login()
    # The provider puts the nonce of the earlier (completed) login into this ID token.
    answer = login(
        sub="person-nonce",
        email="nonce-changed@example.be",
        name="Noor Nonce",
        switch="replay_nonce",
        mandates=[{"kbo": KBO_OWNER, "role": "legal_representative"}],
    )
    assert REFUSED in messages_of(answer)
    assert counts() == before
    assert not User.objects.filter(email="nonce-changed@example.be").exists()


def test_a_replayed_state_is_refused(government_login):
    login = government_login()
    to_callback = login.at_provider(
        login.start(), sub="person-state", email="state@example.be", name="Stef State", follow=False
    )
    callback = to_callback.headers["Location"]
    assert "state=" in callback and "code=" in callback
    assert login.session.get(callback).ok
    before = counts()
    # The same callback again, in the same session and in another one: the state was used.
    again = login.session.get(callback)
    assert REFUSED in messages_of(again)
    stranger = government_login()
    stranger.get("/accounts/login/")
    answer = stranger.session.get(callback)
    assert REFUSED in messages_of(answer)
    assert counts() == before


# --- Mandates ---------------------------------------------------------------------------------

MANDATES = [
    {"kbo": kbo.display(KBO_OWNER), "role": "legal_representative", "name": "Gemeente Oproepdorp"},
    {"kbo": KBO_MEMBER, "role": "delegated_user", "name": "Mediahuis Test"},
]


def choose_kinds(login, answer):
    assert "/organisations/mandates/" in answer.url, answer.url
    return login.post(
        "/organisations/mandates/", {f"kind_{KBO_OWNER}": "municipality", f"kind_{KBO_MEMBER}": "news_media"}
    )


def test_mandates_for_two_enterprises_give_owner_and_member_rights(government_login):
    login = government_login()
    answer = login(sub="person-m", email="mandates@example.be", name="Mia Mandaat", mandates=MANDATES)
    assert Organisation.objects.count() == 0  # the kind is asked first
    assert "Gemeente Oproepdorp" in answer.text
    answer = choose_kinds(login, answer)
    assert answer.url.endswith("/organisations/")
    user = User.objects.get(email="mandates@example.be")
    owner_org = Organisation.objects.get(kbo_number=KBO_OWNER)
    member_org = Organisation.objects.get(kbo_number=KBO_MEMBER)
    assert (owner_org.name, owner_org.kind, owner_org.kbo_confirmed) == ("Gemeente Oproepdorp", "municipality", True)
    assert member_org.kind == "news_media" and member_org.kbo_confirmed
    assert user.has_perm("accounts.manage_members", owner_org)
    assert user.has_perm("accounts.view_organisation", member_org)
    assert not user.has_perm("accounts.manage_members", member_org)
    assert login.get(f"/organisations/{owner_org.pk}/invite/").status_code == 200
    assert login.get(f"/organisations/{member_org.pk}/invite/").status_code == 404
    assert "bevestigd door de overheidslogin" in login.get(f"/organisations/{member_org.pk}/").text
    # The kind is asked once: a second login goes straight on.
    answer = government_login()(sub="person-m", email="mandates@example.be", name="Mia Mandaat", mandates=MANDATES)
    assert "/organisations/mandates/" not in answer.url
    assert Organisation.objects.count() == 2


def test_a_mandate_that_disappears_leaves_the_membership_lapsed_and_its_applications_unreachable(government_login):
    login = government_login()
    choose_kinds(login, login(sub="person-l", email="lapse@example.be", name="Lode Lapse", mandates=MANDATES))
    user = User.objects.get(email="lapse@example.be")
    member_org = Organisation.objects.get(kbo_number=KBO_MEMBER)
    application = ApplicationFactory(lead_organisation=member_org, created_by=user)
    assert login.get(application.get_absolute_url()).status_code == 200

    login = government_login()
    login(sub="person-l", email="lapse@example.be", name="Lode Lapse", mandates=MANDATES[:1])
    membership = Membership.objects.get(user=user, organisation=member_org)
    assert membership.lapsed_at is not None  # kept for the record
    assert login.get(application.get_absolute_url()).status_code == 404
    assert login.get(f"/organisations/{member_org.pk}/").status_code == 404
    assert application.title not in login.get("/applications/").text
    assert not user.has_perm("applications.view_application", application)
    assert Application.objects.filter(pk=application.pk).exists()
    assert Organisation.objects.filter(pk=member_org.pk).exists()
    assert AuditEvent.objects.filter(action="mandate_lapsed").count() == 1
    # The owner mandate still holds.
    assert Membership.objects.get(user=user, organisation__kbo_number=KBO_OWNER).lapsed_at is None
    # A mandate given again brings the membership back.
    government_login()(sub="person-l", email="lapse@example.be", name="Lode Lapse", mandates=MANDATES)
    membership.refresh_from_db()
    assert membership.lapsed_at is None


def test_a_mandate_for_a_self_declared_organisation_confirms_its_number(government_login):
    declared = OrganisationFactory(kbo_number=KBO_OWNER, name="Zelf Aangegeven")
    assert not declared.kbo_confirmed
    government_login()(sub="person-c", email="confirm@example.be", name="Cas", mandates=MANDATES[:1])
    declared.refresh_from_db()
    assert declared.kbo_confirmed
    assert Membership.objects.get(organisation=declared, user__email="confirm@example.be").role == "owner"


def test_mandate_claim_parsing_skips_what_is_not_a_valid_enterprise_number():
    parsed = oidc.parse_mandates(json.dumps([{"kbo": "0123.456.749", "role": "x"}, {"kbo": "123"}, "nonsense", 5]))
    assert [(m.kbo_number, m.role) for m in parsed] == [("0123456749", "x")]
    assert oidc.parse_mandates(None) == [] and oidc.parse_mandates("{") == []


# --- Assurance --------------------------------------------------------------------------------


@pytest.mark.parametrize(("acr", "reaches_review"), [("high", True), ("substantial", True), ("low", False)])
def test_a_reviewer_at_a_high_level_of_assurance_needs_no_totp(government_login, settings, acr, reaches_review):
    settings.REQUIRE_STAFF_MFA = True
    reviewer = UserFactory(email=f"reviewer-{acr}@example.be")
    SocialAccount.objects.create(user=reviewer, provider="government", uid=f"reviewer-{acr}", extra_data={})
    CallRoleFactory(user=reviewer, role=CallRole.Role.REVIEWER)
    login = government_login()
    login(sub=f"reviewer-{acr}", email=reviewer.email, name="Rita Reviewer", acr=acr)
    answer = login.get("/review/", allow_redirects=False)
    if reaches_review:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/accounts/2fa/totp/activate/")


def test_a_password_login_afterwards_does_not_keep_the_assurance(government_login, settings):
    settings.REQUIRE_STAFF_MFA = True
    reviewer = UserFactory(email="rev-pw@example.be")
    SocialAccount.objects.create(user=reviewer, provider="government", uid="rev-pw", extra_data={})
    CallRoleFactory(user=reviewer, role=CallRole.Role.REVIEWER)
    login = government_login()
    login(sub="rev-pw", email=reviewer.email, name="Rev", acr="high")
    assert login.get("/review/", allow_redirects=False).status_code == 200
    login.session.post(
        f"{login.portal}/accounts/logout/",
        data={"csrfmiddlewaretoken": login.session.cookies["csrftoken"]},
        headers={"Referer": login.portal + "/"},
        allow_redirects=False,
    )
    login.post("/accounts/login/", {"login": reviewer.email, "password": PASSWORD})
    assert login.get("/review/", allow_redirects=False).status_code == 302


# --- Logout -----------------------------------------------------------------------------------


def test_logout_ends_the_session_at_the_provider_too(government_login, oidc_provider):
    login = government_login()
    login(sub="person-out", email="out@example.be", name="Olaf Out")
    answer = login.session.post(
        f"{login.portal}/accounts/logout/",
        data={"csrfmiddlewaretoken": login.session.cookies["csrftoken"]},
        headers={"Referer": login.portal + "/"},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(f"{oidc_provider.url}/logout/?client_id=")
    assert "out@example.be" not in login.get("/").text
    # The provider knows the address it sends the person back to.
    assert login.session.get(answer.headers["Location"]).status_code == 200


def test_a_password_logout_stays_in_the_portal(government_login):
    user = UserFactory(email="plain@example.be")
    login = government_login()
    login.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    answer = login.session.post(
        f"{login.portal}/accounts/logout/",
        data={"csrfmiddlewaretoken": login.session.cookies["csrftoken"]},
        headers={"Referer": login.portal + "/"},
        allow_redirects=False,
    )
    assert answer.headers["Location"] == "/"
