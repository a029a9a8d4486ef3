from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Rule(models.TextChoices):
    """What a ledger row was written for. The automatic ones have a configurable value (PointRule)."""

    LESSON_COMPLETED = "lesson_completed", _("Lesson completed")
    ASSESSMENT_PASSED = "assessment_passed", _("Assessment passed")
    PERFECT_SCORE = "perfect_score", _("Perfect score")
    COURSE_COMPLETED = "course_completed", _("Course completed")
    SESSION_ATTENDED = "session_attended", _("Live session attended")
    DAILY_STREAK = "daily_streak", _("Daily learning streak")
    MANUAL = "manual", _("Awarded or deducted by an admin")
    REVERSAL = "reversal", _("Reversal")


AUTOMATIC_RULES = [
    Rule.LESSON_COMPLETED,
    Rule.ASSESSMENT_PASSED,
    Rule.PERFECT_SCORE,
    Rule.COURSE_COMPLETED,
    Rule.SESSION_ATTENDED,
    Rule.DAILY_STREAK,
]

# Awards that exist because of an enrollment, so a refund takes them back.
COURSE_RULES = [Rule.LESSON_COMPLETED, Rule.ASSESSMENT_PASSED, Rule.PERFECT_SCORE, Rule.COURSE_COMPLETED]


class PointRule(models.Model):
    """How many points one automatic rule is worth. Changing it affects future awards only."""

    rule = models.CharField(max_length=32, choices=[(r.value, r.label) for r in AUTOMATIC_RULES], unique=True)
    points = models.PositiveIntegerField(default=10)
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive rules still count towards badges but award no points.")
    )

    class Meta:
        ordering = ["rule"]

    def __str__(self):
        # Wagtail's admin shows it (history, breadcrumbs), so it is in the admin's language.
        return ngettext("%(rule)s: %(count)s point", "%(rule)s: %(count)s points", self.points) % {
            "rule": self.get_rule_display(),
            "count": self.points,
        }


class PointEntry(models.Model):
    """One row of the append-only point ledger. Rows are never edited or deleted: a correction is a new row.

    An automatic award is unique per (user, rule, source, generation): a replayed event finds its row and
    awards nothing. The generation only grows after a reversal, so an award that was taken back (an
    override failed the attempt) can be earned again once, never twice at the same time.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_entries")
    rule = models.CharField(max_length=32, choices=Rule.choices)
    # What earned it, e.g. "lesson:17", "course:4", "day:2026-11-25"; empty for manual rows and reversals.
    source = models.CharField(max_length=64, null=True, blank=True)
    generation = models.PositiveSmallIntegerField(default=1)
    points = models.IntegerField()
    # For per-course leaderboards and refunds; empty for points that belong to no course (streaks).
    course = models.ForeignKey("courses.CoursePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Which period the points count in: when the learner did the thing, so a reversal lands in the same week.
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("point ledger entry")
        verbose_name_plural = _("point ledger")
        constraints = [
            # NULL sources (manual rows, reversals) are distinct in a unique index on SQLite and MariaDB alike.
            models.UniqueConstraint(
                fields=["user", "rule", "source", "generation"], name="one_award_per_user_rule_source"
            ),
            models.CheckConstraint(
                condition=Q(rule__in=[Rule.MANUAL, Rule.REVERSAL]) | Q(source__isnull=False),
                name="automatic_award_has_source",
            ),
        ]
        indexes = [models.Index(fields=["user", "course"])]

    def __str__(self):
        return f"{self.points:+d} for {self.user_id} ({self.rule} {self.source or ''})".rstrip()

    @property
    def description(self) -> str:
        if self.reason:
            return self.reason
        return self.get_rule_display()


class Period(models.TextChoices):
    WEEK = "week", _("This week")
    MONTH = "month", _("This month")
    ALL_TIME = "all", _("All time")


class PointTotal(models.Model):
    """A learner's points per leaderboard (global or one course) and period, kept in step with the ledger.

    Leaderboards read these instead of summing the ledger, so a read costs the same with 2 or 2,000,000
    ledger rows. `rebuild_point_totals` recomputes them from the ledger, which stays the source of truth.
    """

    GLOBAL = 0  # the scope of the site-wide boards; other scopes are course page ids

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.PositiveIntegerField(default=GLOBAL)
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    points = models.IntegerField(default=0)
    # Copied from the learner's choice so ranking needs no join; rewritten when they change it.
    hidden = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "period", "period_start"], name="one_total_per_board"),
        ]
        indexes = [
            models.Index(fields=["scope", "period", "period_start", "hidden", "-points", "user"], name="board_rank"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.points} ({self.scope} {self.period} {self.period_start})"


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Show my name")
    ANONYMOUS = "anonymous", _("Show me as “Anonymous learner”")
    HIDDEN = "hidden", _("Leave me off leaderboards")


class LearnerStats(models.Model):
    """Per-learner state that is not a ledger row: their leaderboard choice, streak and what they have seen."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_stats")
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    current_streak = models.PositiveIntegerField(default=0)
    longest_streak = models.PositiveIntegerField(default=0)
    last_active_day = models.DateField(null=True, blank=True, help_text=_("In the learner's own time zone."))
    # Toasts show ledger rows and badges newer than these, then move them on.
    last_seen_entry_id = models.BigIntegerField(default=0)
    last_seen_badge_award_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = _("learner stats")

    def __str__(self):
        return f"Stats of {self.user_id}"


class ActivityDay(models.Model):
    """A day (in the learner's time zone then) on which they learned something; streaks are runs of these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_activity_per_user_and_day")]

    def __str__(self):
        return f"{self.user_id} on {self.day}"


class BadgeRule(models.TextChoices):
    LESSONS_COMPLETED = "lessons_completed", _("Complete N lessons")
    ASSESSMENTS_PASSED = "assessments_passed", _("Pass N assessments")
    PERFECT_ASSESSMENTS = "perfect_assessments", _("Pass N assessments with 100%")
    COURSES_COMPLETED = "courses_completed", _("Complete N courses (optionally in one category)")
    STREAK_DAYS = "streak_days", _("Learn N days in a row")
    SESSIONS_ATTENDED = "sessions_attended", _("Attend N live sessions")
    POINTS = "points", _("Earn N points")


class Badge(models.Model):
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=255, help_text=_("Shown to learners: what the badge is for."))
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.CharField(max_length=32, choices=BadgeRule.choices)
    threshold = models.PositiveIntegerField(default=1, help_text=_("The N of the rule."))
    category = models.ForeignKey(
        "courses.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for “Complete N courses”: count courses in this category only."),
    )
    is_active = models.BooleanField(default=True, help_text=_("Inactive badges are no longer awarded or shown."))
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [models.CheckConstraint(condition=Q(threshold__gte=1), name="badge_threshold_at_least_1")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.category_id and self.rule != BadgeRule.COURSES_COMPLETED:
            raise ValidationError({"category": _("A category only applies to the “Complete N courses” rule.")})


class BadgeAward(models.Model):
    """A badge a learner holds. A refund that takes its reason away revokes it (kept, with the date)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    awarded_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="one_award_per_user_and_badge")]

    def __str__(self):
        return f"{self.badge_id} for {self.user_id}"
