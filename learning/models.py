from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EnrollmentStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Left the course")


# Statuses whose learner may open the course's lessons.
STUDYING_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


class Enrollment(models.Model):
    """A learner's place in a course. One row per (user, course), reused when they leave and come back."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    # PROTECT: a course that learners are enrolled in cannot be deleted from the page tree by accident.
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE)
    enrolled_at = models.DateTimeField(help_text=_("When access started; drip release counts from here."))
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    last_lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # When the learner last opened a lesson (learning.services.record_visit). Not last_activity_at: enrolling sets
    # that and a bookmark to the first lesson, and opening that lesson is still the learner's first visit.
    last_visit_at = models.DateTimeField(null=True, blank=True)
    # When the learner started the course again to renew an expiring certificate (learning.services.start_new_round).
    # Requirements other apps add count only what was done since (a quiz passed before does not count again).
    round_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="one_enrollment_per_user_and_course"),
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="progress_percent_at_most_100"),
        ]
        indexes = [
            models.Index(fields=["course", "status"]),
            models.Index(fields=["user", "status", "-last_activity_at"]),
        ]

    def __str__(self):
        return f"{self.user} in {self.course_id} ({self.status})"

    @property
    def gives_access(self) -> bool:
        return self.status in STUDYING_STATUSES


class LessonProgress(models.Model):
    """A lesson a learner has completed within one enrollment."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="one_progress_per_enrollment_and_lesson"),
        ]
        # Analytics counts the learners active in a window: the range is read from the index alone, instead of
        # every progress row of every enrollment (bench/analytics.py: 8.8 s to 0.5 s at 2 million rows).
        indexes = [models.Index(fields=["completed_at", "enrollment"], name="progress_completed_idx")]

    def __str__(self):
        return f"{self.lesson_id} done in enrollment {self.enrollment_id}"
