from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from lms_site import seo
from lms_site.page_cache import cache_for_visitors
from lms_site.replicas import replica_reads
from lms_site.translated_pages import OneAddressPerLanguage, OriginalsPageManager, in_language

from . import registry
from .blocks import LessonBodyBlock
from .forms import CoursePageForm, LessonPageForm
from .permissions import CataloguePermissionTester, CourseContentPermissionTester

if TYPE_CHECKING:
    from wagtail.images.models import Image

    from accounts.models import User

# Wagtail ships no type hints, so Page is Any to mypy and django-stubs cannot work out the types of the fields
# declared on a Page subclass: they are spelled out ([type when set, type when read]).


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Currency(models.TextChoices):
    EUR = "EUR", _("Euro (€)")
    USD = "USD", _("US dollar ($)")
    GBP = "GBP", _("Pound sterling (£)")


# CoursePage.category points here; CoursePage is a Wagtail page, which mypy cannot see into.
class Category(models.Model):  # type: ignore[django-manager-missing]
    """A subject area the catalogue can be filtered by; managed as a snippet."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    description = models.TextField(blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)


class CourseIndexPage(OneAddressPerLanguage, Page):
    """The catalogue: lists the live courses below it, with filters and search."""

    # `.originals()` lists a page once, not once per language (lms_site/translated_pages.py).
    objects = OriginalsPageManager()

    intro: "models.TextField[str, str]" = models.TextField(
        blank=True, help_text=_("A sentence or two shown above the course list.")
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    promote_panels = seo.promote_panels()

    # The site has one home page, so one catalogue: a second would split the courses and the /courses/ link.
    max_count = 1
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    page_description = _("The course catalogue. Courses are created below it.")

    def get_template(self, request, *args, **kwargs):
        # An HTMX filter request swaps only the results; a history restore needs the full page.
        if getattr(request, "htmx", False) and not request.htmx.history_restore_request:
            return "courses/course_index_page.html#catalogue-results"
        return super().get_template(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        # Imported here because courses.selectors imports these models.
        from .selectors import catalogue_page

        context = super().get_context(request, *args, **kwargs)
        # Visitors' catalogue may be a second old (ADR 0025); signed-in people read the primary, so a trainer
        # sees the course they just published and a learner the state of their own enrolments.
        with replica_reads(allowed=not request.user.is_authenticated):
            context.update(catalogue_page(catalogue=self, params=request.GET))
        return context

    @cache_for_visitors
    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # The same URL answers with a page or a fragment, and with the page again on htmx's history restore.
        patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
        return response

    def permissions_for_user(self, user):
        return CataloguePermissionTester(user, self)


class CoursePage(OneAddressPerLanguage, Page):
    # `.originals()` lists a page once, not once per language (lms_site/translated_pages.py).
    objects = OriginalsPageManager()

    summary: "models.CharField[str, str]" = models.CharField(
        max_length=300, help_text=_("One or two sentences for the catalogue card.")
    )
    description = RichTextField(blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])
    cover_image: "models.ForeignKey[Image | None, Image | None]" = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category: "models.ForeignKey[Category | None, Category | None]" = models.ForeignKey(
        Category, null=True, blank=False, on_delete=models.SET_NULL, related_name="courses"
    )
    category_id: int | None
    level: "models.CharField[str, str]" = models.CharField(max_length=16, choices=Level.choices, default=Level.BEGINNER)
    estimated_minutes: "models.PositiveIntegerField[int, int]" = models.PositiveIntegerField(
        _("estimated duration (minutes)"), default=60, help_text=_("How long the whole course takes a typical learner.")
    )
    price: "models.DecimalField[Decimal, Decimal]" = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("0 makes the course free."),
    )
    currency: "models.CharField[str, str]" = models.CharField(
        max_length=3, choices=Currency.choices, default=settings.LMS_DEFAULT_CURRENCY
    )
    trainer: "models.ForeignKey[User | None, User | None]" = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses_taught",
        limit_choices_to={"role": "trainer"},
        help_text=_("The trainer who runs this course and may edit it."),
    )
    trainer_id: int | None
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage",
        blank=True,
        symmetrical=False,
        related_name="required_by",
        help_text=_("Courses a learner must complete first."),
    )
    issues_certificate: "models.BooleanField[bool, bool]" = models.BooleanField(
        default=True, help_text=_("Learners who complete the course receive a verifiable PDF certificate.")
    )
    certificate_valid_months: "models.PositiveSmallIntegerField[int | None, int | None]" = (
        models.PositiveSmallIntegerField(
            null=True,
            blank=True,
            validators=[MinValueValidator(1), MaxValueValidator(600)],
            verbose_name=_("certificate valid for (months)"),
            help_text=_(
                "Empty: certificates never expire. Otherwise a certificate expires this many months after it "
                "is issued, and learners can renew it from 30 days before."
            ),
        )
    )
    required_attendance_percent: "models.PositiveSmallIntegerField[int | None, int | None]" = (
        models.PositiveSmallIntegerField(
            null=True,
            blank=True,
            validators=[MaxValueValidator(100)],
            verbose_name=_("required attendance (%)"),
            help_text=_(
                "Leave empty if live sessions are optional. Otherwise learners must attend at least this share "
                "of the course's held sessions (present or late) to complete it."
            ),
        )
    )
    certificate_logo: "models.ForeignKey[Image | None, Image | None]" = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional logo printed on the certificate (PNG or JPEG, ideally on a transparent background)."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("category"), FieldPanel("level")]),
                FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("trainer")]),
                FieldRowPanel([FieldPanel("price"), FieldPanel("currency")]),
                # Checkboxes: a multi-select box hides entries past its height, and a click without Ctrl
                # clears the others.
                FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Course details"),
        ),
        MultiFieldPanel(
            [FieldPanel("issues_certificate"), FieldPanel("certificate_valid_months"), FieldPanel("certificate_logo")],
            heading=_("Certificate"),
        ),
        FieldPanel("required_attendance_percent", heading=_("Live sessions")),
    ]
    promote_panels = seo.promote_panels()

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.RelatedFields("category", [index.SearchField("name")]),
        index.FilterField("category"),
        index.FilterField("level"),
        index.FilterField("price"),
    ]

    base_form_class = CoursePageForm
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage", "assessments.AssessmentPage"]
    page_description = _("A course: modules and lessons go below it.")

    @property
    def is_free(self) -> bool:
        return self.price == 0

    @property
    def duration_display(self) -> str:
        hours, minutes = divmod(self.estimated_minutes, 60)
        if hours and minutes:
            return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
        if hours:
            return gettext("%(hours)s h") % {"hours": hours}
        return gettext("%(minutes)s min") % {"minutes": minutes}

    def get_context(self, request, *args, **kwargs):
        # Imported here because courses.selectors imports these models.
        from .selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = course_outline(course=self)
        context["catalogue"] = in_language(self.get_parent())  # the breadcrumb, in the reader's language
        context["prerequisites"] = CoursePage.objects.live().originals().filter(required_by=self).order_by("title")
        return context

    # Visitors' version: its live sessions (scheduling) and trainer (accounts) reach page_cache.invalidate().
    @cache_for_visitors
    def serve(self, request, *args, **kwargs):
        return super().serve(request, *args, **kwargs)

    def permissions_for_user(self, user):
        return CourseContentPermissionTester(user, self, course=self)


class ModulePage(OneAddressPerLanguage, Page):
    # `.originals()` lists a page once, not once per language (lms_site/translated_pages.py).
    objects = OriginalsPageManager()

    summary: "models.TextField[str, str]" = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("summary")]
    search_fields = Page.search_fields + [index.SearchField("summary")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage", "assessments.AssessmentPage"]
    page_description = _("A module groups the lessons of a course.")

    @cached_property
    def course(self) -> CoursePage | None:
        return CoursePage.objects.ancestor_of(self).first()

    def serve(self, request, *args, **kwargs):
        # A module has no page of its own for learners: its outline lives on the course page.
        course = self.course
        return redirect(f"{course.url}#module-{self.pk}" if course else "/")

    def get_sitemap_urls(self, request=None):
        return []  # it only redirects to its course, which the sitemap lists

    def permissions_for_user(self, user):
        return CourseContentPermissionTester(user, self, course=self.course)


class LessonPage(OneAddressPerLanguage, Page):
    # `.originals()` lists a page once, not once per language (lms_site/translated_pages.py).
    objects = OriginalsPageManager()

    summary: "models.CharField[str, str]" = models.CharField(max_length=300, blank=True)
    estimated_minutes: "models.PositiveIntegerField[int, int]" = models.PositiveIntegerField(
        _("estimated duration (minutes)"), default=10
    )
    is_free_preview: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("free preview"), default=False, help_text=_("Anyone may read this lesson, without enrolling.")
    )
    drip_days: "models.PositiveIntegerField[int | None, int | None]" = models.PositiveIntegerField(
        _("opens days after enrolment"),
        null=True,
        blank=True,
        help_text=_(
            "Counted for each learner from the moment they enrol: with 7, someone who enrols on the 1st can "
            "open the lesson on the 8th. Leave empty to open it as soon as they enrol."
        ),
    )
    available_from: "models.DateTimeField[datetime | None, datetime | None]" = models.DateTimeField(
        _("opens on"),
        null=True,
        blank=True,
        help_text=_(
            "The same moment for every enrolled learner; until then they see the lesson locked in the outline, "
            "with this date. Leave empty for no fixed date."
        ),
    )
    body = StreamField(LessonBodyBlock(), blank=True)

    base_form_class = LessonPageForm

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("is_free_preview")]),
        FieldPanel("body"),
    ]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("drip_days"), FieldPanel("available_from")])],
            heading=_("Opening for enrolled learners (drip)"),
            help_text=_(
                "When enrolled learners may open this lesson, which is already published and shown in their "
                "outline. If both are set, it opens at the later of the two; a free preview ignores both. This "
                "is not “Set schedule” (go-live date) in the Status panel: that decides when the lesson is "
                "published at all, and until then nobody sees it."
            ),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []
    page_description = _("A lesson: text, media, code and downloads.")

    @cached_property
    def course(self) -> CoursePage | None:
        return CoursePage.objects.ancestor_of(self).first()

    # Below the home page: catalogue, course, module, lesson (their parent_page_types).
    LEVELS_BELOW_HOME = 4

    @classmethod
    def live_at(cls, *, parent: Page, path_components: list[str]) -> "LessonPage | None":
        """The live lesson at `path_components` below the home page `parent`, in one query, or None.

        What Page.route finds by a child and a .specific lookup at each level (eight queries), found by the
        url_path Wagtail keeps in step with the slugs; routing falls back to the tree walk when this finds none.
        """
        if len(path_components) != cls.LEVELS_BELOW_HOME:
            return None
        url_path = parent.url_path + "/".join(path_components) + "/"
        return (
            cls.objects.live()
            .filter(url_path=url_path, depth=parent.depth + cls.LEVELS_BELOW_HOME, path__startswith=parent.path)
            .first()
        )

    def get_view_restrictions(self):
        # Wagtail's reads the ancestors (their aliases) and then the restrictions: two queries on every lesson
        # view. The ancestors' paths are prefixes of this one's, and a restriction on the page an ancestor
        # aliases applies too, so one query finds the same restrictions.
        paths = [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]
        return PageViewRestriction.objects.filter(
            models.Q(page__path__in=paths) | models.Q(page__aliases__path__in=paths)
        ).distinct()

    def opens_at(self, enrolled_at):
        """When this lesson opens for a learner who enrolled at `enrolled_at` (None: at once)."""
        moments = [self.available_from] if self.available_from else []
        if self.drip_days:
            moments.append(enrolled_at + timedelta(days=self.drip_days))
        return max(moments) if moments else None

    def serve(self, request, *args, **kwargs):
        # Learners see lessons in the learning app's player, which decides who may read what (courses.registry).
        return registry.serve_lesson(request, lesson=self)

    def get_sitemap_urls(self, request=None):
        # Only a free preview opens for a visitor; other lessons answer "enrol first".
        return super().get_sitemap_urls(request) if self.is_free_preview else []

    def get_preview_context(self, request, mode_name):
        # Only editors reach a preview, so the whole lesson is shown.
        context = super().get_preview_context(request, mode_name)
        context["course"] = self.course
        return context

    def permissions_for_user(self, user):
        return CourseContentPermissionTester(user, self, course=self.course)
