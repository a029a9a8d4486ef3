import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TRAINER = "trainer", _("Trainer")
    ADMIN = "admin", _("Admin")


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LmsUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def trainers(self):
        return self.filter(role=Role.TRAINER, is_active=True, is_banned=False)


class User(AbstractUser):
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    is_banned = models.BooleanField(
        _("banned"),
        default=False,
        help_text=_("A banned user cannot sign in and is signed out on their next request."),
    )

    time_zone = models.CharField(
        max_length=64,
        choices=time_zone_choices,
        default="UTC",
        help_text=_("Days, such as those of a learning streak, begin at midnight here."),
    )

    objects = LmsUserManager()

    class Meta:
        ordering = ["username"]

    def save(self, *args, **kwargs):
        # The role is the single source of the admin flags, so the two can never disagree.
        self.is_superuser = self.role == Role.ADMIN
        self.is_staff = self.role in (Role.TRAINER, Role.ADMIN)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def is_trainer(self) -> bool:
        return self.role == Role.TRAINER

    @property
    def is_lms_admin(self) -> bool:
        return self.role == Role.ADMIN
