import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin, _user_has_perm
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kbo


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the account was erased at the person's request and anonymised because records
    # that must be kept (submitted applications, reviews) still point at it (accounts/privacy.py).
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    # A keyed hash (HMAC) of the national register number the government identity provider
    # sent, never the number itself (accounts/oidc.py); it is never shown.
    national_register_hmac = models.CharField(max_length=64, blank=True, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name()

    def get_full_name(self):
        if self.erased_at:
            return str(_("former user"))
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()

    def has_perm(self, perm, obj=None):
        """Access to an object is decided by the rules predicates alone (DESIGN §5). Django lets an
        active superuser pass every check; for objects that would make an administrator a member
        of every organisation, so administrators get on objects only what the rules give
        `is_admin` (staff access). Model-level checks (the admin site) keep Django's shortcut."""
        if obj is None:
            return super().has_perm(perm)
        return self.is_active and _user_has_perm(self, perm, obj)


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality")
    MUNICIPAL_PARTNERSHIP = "municipal_partnership", _("partnership of municipalities")
    NEWS_MEDIA = "news_media", _("news medium")
    OTHER_MEDIA = "other_media", _("other media organisation")
    RESEARCH = "research", _("research institution")
    MEDIA_LITERACY = "media_literacy", _("media-literacy organisation")
    CIVIL_SOCIETY = "civil_society", _("civil-society organisation")
    COMPANY = "company", _("company")
    OTHER = "other", _("other")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    kbo_number = models.CharField(
        _("enterprise number (KBO)"),
        max_length=10,
        blank=True,
        validators=[kbo.validate_kbo],
        help_text=_("10 digits, for example 0123.456.749."),
    )
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email_domain = models.CharField(
        _("e-mail domain"),
        max_length=100,
        blank=True,
        help_text=_("The domain of the organisation's e-mail addresses, e.g. voorbeeld.be."),
    )
    # Set when the government identity provider said that someone may represent the enterprise
    # with this number (a mandate); otherwise the number is self-declared.
    kbo_confirmed_at = models.DateTimeField(_("enterprise number confirmed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organisations")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kbo_number"], condition=~models.Q(kbo_number=""), name="unique_kbo_number_when_present"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:organisation", args=[self.pk])

    def save(self, *args, **kwargs):
        self.kbo_number = kbo.normalise(self.kbo_number)
        self.email_domain = self.email_domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)

    @property
    def kbo_display(self) -> str:
        return kbo.display(self.kbo_number)

    @property
    def kbo_confirmed(self) -> bool:
        return bool(self.kbo_number and self.kbo_confirmed_at)


class MembershipQuerySet(models.QuerySet):
    def active(self):
        """Memberships that give access: not lapsed."""
        return self.filter(lapsed_at__isnull=True)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        MEMBER = "member", _("member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    # The role the identity provider's mandate gave (e.g. "legal_representative"); empty for a
    # membership that rests on an invitation or on creating the organisation.
    mandate_role = models.CharField(_("mandate"), max_length=64, blank=True, editable=False)
    # Set when the mandate this membership rested on was no longer given at a login: the
    # membership then gives no access at all, but is kept for the record.
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user")]

    def __str__(self):
        return f"{self.user} @ {self.organisation} ({self.role})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An owner's invitation for an e-mail address to join the organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"


class ErasureRequest(models.Model):
    """A person's request to delete their account, handled by staff (accounts/privacy.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for staff")
        ERASED = "erased", _("account deleted")
        ANONYMISED = "anonymised", _("account anonymised")
        REFUSED = "refused", _("refused")

    # Null once the account is deleted; the request itself stays as the record that it was done.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="erasure_requests"
    )
    reason = models.TextField(_("reason (optional)"), blank=True, max_length=2000)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="one_pending_erasure_request_per_user"
            )
        ]

    def __str__(self):
        return f"{self.user_id or '–'} {self.status}"
