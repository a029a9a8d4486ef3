"""LTI 1.3: the platforms (Moodle, Canvas, ...) registered with Learnwell, the tool's own signing key, the people
and resource links the platforms launch."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LtiPlatform(models.Model):
    """One registration of Learnwell as a tool at a platform: what the platform told us when we registered."""

    name = models.CharField(_("name"), max_length=120)
    issuer = models.CharField(
        _("issuer"), max_length=255, help_text=_("The platform's iss, e.g. https://moodle.example.org")
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    deployment_ids = models.TextField(
        _("deployment IDs"), help_text=_("One per line. Launches from any other deployment are refused.")
    )
    auth_login_url = models.URLField(_("authentication request URL"), max_length=500)
    auth_token_url = models.URLField(_("access token URL"), max_length=500)
    auth_audience = models.CharField(
        _("access token audience"),
        max_length=500,
        blank=True,
        help_text=_("Only if the platform asks for one; the access token URL otherwise."),
    )
    key_set_url = models.URLField(_("public keyset URL"), max_length=500)
    instructors_become_trainers = models.BooleanField(
        _("instructors become trainers"),
        default=False,
        help_text=_(
            "New accounts of people the platform calls instructors are trainers (who may open the admin) instead "
            "of learners. Existing accounts keep their role; nobody is ever made an administrator."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("LTI platform")
        verbose_name_plural = _("LTI platforms")
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="lti_platform_issuer_client")]

    def __str__(self) -> str:
        return self.name

    @property
    def deployment_id_list(self) -> list[str]:
        return [line.strip() for line in self.deployment_ids.splitlines() if line.strip()]


class LtiToolKey(models.Model):
    """Learnwell's RSA key pair for signing what it sends platforms (deep-linking responses, token requests).

    Made once on first use. The public half of every row is served at /lti/jwks/, so a newer key can be added
    while platforms still hold the older one; the newest signs."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("LTI tool key")

    def __str__(self) -> str:
        return self.kid


class LtiUser(models.Model):
    """A person at one platform (its `sub`) tied to one Learnwell account. Found by platform and `sub` only, never
    by e-mail address: a platform's administrator can type any address."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="users")
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_accounts")
    created_at = models.DateTimeField(auto_now_add=True)
    last_launch_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("LTI user")
        constraints = [models.UniqueConstraint(fields=["platform", "sub"], name="lti_user_platform_sub")]

    def __str__(self) -> str:
        return f"{self.sub} at {self.platform_id}"


class LtiResourceLink(models.Model):
    """A placement of Learnwell content in a platform's course, and where its grades go (AGS)."""

    platform = models.ForeignKey(LtiPlatform, on_delete=models.CASCADE, related_name="resource_links")
    deployment_id = models.CharField(max_length=255)
    resource_link_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    page = models.ForeignKey("wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lineitem_url = models.URLField(max_length=1000, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("LTI resource link")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id", "resource_link_id"], name="lti_resource_link_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.resource_link_id


class LtiLinkLaunch(models.Model):
    """This person launched this link: whose scores go back to the link's line item."""

    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="launches")
    resource_link = models.ForeignKey(LtiResourceLink, on_delete=models.CASCADE, related_name="launches")
    last_launch_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lti_user", "resource_link"], name="lti_link_launch_unique")]

    def __str__(self) -> str:
        return f"{self.lti_user_id} launched {self.resource_link_id}"
