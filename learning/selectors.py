"""The read side of learning: who may open which lesson, and what the player, dashboard and rosters show."""

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, When
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from wagtail.models import PageViewRestriction

from accounts.models import User
from courses.models import CoursePage, LessonPage, ModulePage
from courses.selectors import CARD_FIELDS, ModuleOutline, course_outline
from lms_site.renditions import load_renditions
from lms_site.translated_pages import in_language, in_language_many

from . import requirements
from .models import STUDYING_STATUSES, Enrollment, EnrollmentStatus, LessonProgress


def live_lessons(*, course: CoursePage) -> QuerySet[LessonPage]:
    """The lessons that count towards progress: live, in a live module of the course, in tree order.

    The same lessons the course outline shows (courses.selectors.course_outline).
    """
    lessons: QuerySet[LessonPage] = LessonPage.objects.live().descendant_of(course).order_by("path").defer("body")
    for hidden_module_path in ModulePage.objects.child_of(course).filter(live=False).values_list("path", flat=True):
        lessons = lessons.exclude(path__startswith=hidden_module_path)
    return lessons


def lessons_completed(*, course: CoursePage, enrollments: QuerySet[Enrollment]) -> tuple[int, dict[int, int]]:
    """The course's live lessons (live_lessons), and how many of them each enrollment has completed.

    Enrollments with none completed are left out of the dict. Three queries, whatever the number of learners.
    """
    lessons = live_lessons(course=course)
    total = lessons.count()
    if not total:
        return 0, {}
    done = (
        LessonProgress.objects.filter(enrollment__in=enrollments.values("pk"), lesson_id__in=lessons.values("pk"))
        .values("enrollment_id")
        .annotate(completed=Count("pk"))
        .order_by()
        .values_list("enrollment_id", "completed")
    )
    return total, dict(done)


def first_lesson(*, course: CoursePage) -> LessonPage | None:
    return live_lessons(course=course).first()


def enrollment_for(*, user: User | AnonymousUser, course: CoursePage) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course=course).first()


def enrollment_and_done_lessons(
    *, user: User | AnonymousUser, course: CoursePage
) -> tuple[Enrollment | None, set[int]]:
    """The user's enrolment in the course and the ids of the lessons they completed: two small queries.

    Not one join: that repeats the enrolment's columns (dates to convert, a model to build) once per completed
    lesson, which at 200 lessons cost more than the rest of the player's selector together.
    """
    if not user.is_authenticated:
        return None, set()
    enrollment = Enrollment.objects.filter(user=user, course=course).first()
    if enrollment is None:
        return None, set()
    return enrollment, set(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True))


def is_course_staff(*, user: User | AnonymousUser, course: CoursePage) -> bool:
    """Admins and the course's own trainer see every lesson without enrolling."""
    return user.is_authenticated and (user.is_superuser or course.trainer_id == user.pk)


def missing_prerequisites(*, user: User | AnonymousUser, course: CoursePage) -> list[CoursePage]:
    """Live prerequisite courses the user has not completed yet."""
    required = list(CoursePage.objects.live().originals().filter(required_by=course).order_by("title"))
    if not required:
        return []
    completed = (
        set(
            Enrollment.objects.filter(user=user, course__in=required, status=EnrollmentStatus.COMPLETED).values_list(
                "course_id", flat=True
            )
        )
        if user.is_authenticated
        else set()
    )
    return [prerequisite for prerequisite in required if prerequisite.pk not in completed]


@dataclass(frozen=True)
class LessonAccess:
    can_read: bool
    reason: str  # "staff", "enrolled", "preview", "locked", "not_enrolled"
    opens_at: datetime | None = None

    @property
    def is_locked(self) -> bool:
        return self.reason == "locked"


def lesson_access(
    *,
    user: User | AnonymousUser,
    lesson: LessonPage,
    course: CoursePage,
    enrollment: Enrollment | None,
    now: datetime | None = None,
    is_staff: bool | None = None,
) -> LessonAccess:
    """Decides whether `user` may read `lesson` now. Banned users never get this far: they are signed out.

    `is_staff`: is_course_staff(user, course), when the caller already knows it (the player asks for every lesson).
    """
    if is_course_staff(user=user, course=course) if is_staff is None else is_staff:
        return LessonAccess(True, "staff")
    if enrollment is not None and enrollment.gives_access:
        opens_at = lesson.opens_at(enrollment.enrolled_at)
        if opens_at and opens_at > (now or timezone.now()) and not lesson.is_free_preview:
            return LessonAccess(False, "locked", opens_at)
        return LessonAccess(True, "enrolled")
    if lesson.is_free_preview:
        return LessonAccess(True, "preview")
    return LessonAccess(False, "not_enrolled")


@dataclass
class OutlineLesson:
    lesson: LessonPage  # or another step's page (an assessment), when `kind` is set
    number: str
    is_done: bool = False
    is_current: bool = False
    access: LessonAccess | None = None
    kind: str = ""  # empty for lessons; "Quiz", "Assessment", ... for steps other apps add


@dataclass
class OutlineModule:
    module: "ModulePage | CourseLevelSteps"
    lessons: list[OutlineLesson] = field(default_factory=list)


@dataclass
class CourseLevelSteps:
    """Steps placed directly under the course (e.g. a final exam), shown after the modules."""

    title: str | Promise = gettext_lazy("Final steps")
    pk: None = None  # not a page: the outline gives it no module number or anchor


def outline_with_steps(
    *, course: CoursePage, outline: list[ModuleOutline], user: User | AnonymousUser
) -> list[OutlineModule]:
    """The course outline with the steps registered apps add (assessments) in their place in the tree.

    Lessons are numbered "module.lesson"; steps carry their kind instead. Steps directly under the course
    come last, in a group of their own. The registered providers each cost a fixed number of queries.
    """
    return _outline_from(course=course, outline=outline, steps=requirements.outline_steps(course=course, user=user))


def _outline_from(
    *, course: CoursePage, outline: list[ModuleOutline], steps: list[requirements.OutlineStep]
) -> list[OutlineModule]:
    modules: list[OutlineModule] = []
    for module_number, item in enumerate(outline, start=1):
        entry = OutlineModule(
            module=item.module,
            lessons=[
                OutlineLesson(lesson=lesson, number=f"{module_number}.{lesson_number}")
                for lesson_number, lesson in enumerate(item.lessons, start=1)
            ],
        )
        entry.lessons += _steps_under(item.module.path, steps)
        entry.lessons.sort(key=lambda entry_item: entry_item.lesson.path)
        modules.append(entry)
    course_level = [step for step in steps if not any(step.page.path.startswith(item.module.path) for item in outline)]
    if course_level:
        modules.append(OutlineModule(module=CourseLevelSteps(), lessons=_steps_under(course.path, course_level)))
    return modules


# The parts of the player that are the same for every learner: a course's outline (its modules, lessons and the
# steps other apps add) and a lesson's rendered body. Outlines are keyed on a generation that any change to a
# page replaces (learning.receivers), so the next view after a publish, move or deletion builds them anew.
STRUCTURE_CACHE_TIMEOUT = 60 * 60 * 24
_GENERATION_KEY = "learning:structure-generation"


def _structure_generation() -> str:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        # add(): two processes starting a generation at once agree on one of them.
        if not cache.add(_GENERATION_KEY, generation, timeout=None):
            generation = cache.get(_GENERATION_KEY, generation)
    return str(generation)


def forget_course_structures() -> None:
    """Makes every cached outline stale: called whenever a page is saved, published, unpublished, moved or deleted.

    One generation for all courses keeps the receivers free of queries (an edit elsewhere costs other courses a
    rebuild, three or four queries each, on their next view).
    """
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)


@dataclass
class CourseStructure:
    """A course's outline as every learner sees it, before their own progress is added."""

    course: CoursePage
    outline: list[ModuleOutline]
    steps: list[requirements.OutlineStep]  # as a visitor sees them: none ticked
    generation: str = ""  # the structure generation it was built in: what rendered entries are kept under


def course_path_of(lesson: LessonPage) -> str:
    # A lesson sits in a module, which sits in the course (their parent_page_types).
    path: str = lesson.path
    return path[: -2 * LessonPage.steplen]


# The structures this process used, by their cache key (which holds the generation, so a kept one is never stale).
# Unpickling a 200-lesson structure from the shared cache builds some 200 page objects: it was most of the
# player's time. Requests share the kept objects and never change them (lesson_player builds its own entries
# around them). Emptied when it grows too big, like the rendered outline entries (learning_tags).
_STRUCTURES_HERE: dict[str, "CourseStructure"] = {}
STRUCTURES_KEPT_HERE = 32  # about 0.4 MB each at 200 lessons


def course_structure(*, course_path: str) -> CourseStructure | None:
    """The cached structure of the course at `course_path` (four queries when it is built, none after)."""
    generation = _structure_generation()
    key = f"learning:course-structure:{course_path}:{get_language()}:{generation}"
    structure = _STRUCTURES_HERE.get(key)
    if structure is not None:
        return structure
    structure = cache.get(key)
    if structure is None:
        course = CoursePage.objects.filter(path=course_path).first()
        if course is None:
            return None
        course = in_language(course)  # kept per language (the key), like the outline's titles
        steps = requirements.outline_steps(course=course, user=AnonymousUser())
        structure = CourseStructure(
            course=course, outline=course_outline(course=course), steps=steps, generation=generation
        )
        cache.set(key, structure, timeout=STRUCTURE_CACHE_TIMEOUT)
    if len(_STRUCTURES_HERE) >= STRUCTURES_KEPT_HERE:
        _STRUCTURES_HERE.clear()
    _STRUCTURES_HERE[key] = structure
    return structure


@dataclass(frozen=True)
class BodyPart:
    """A run of the lesson body: HTML rendered once for everyone, or a block rendered for each view."""

    html: str = ""
    block_index: int | None = None  # a block that depends on the viewer (signed video URLs, their progress)


@dataclass(frozen=True)
class BodyPiece:
    """What the player's template shows of the body: cached HTML, or a block to render now (`include_block`)."""

    html: SafeString | None = None
    block: Any = None


# Blocks rendered for each view: a video asset signs its URLs at render time and reports the viewer's watching;
# a SCORM package records the session of an enrolled learner only.
PER_VIEW_BLOCKS = frozenset({"video_asset", "scorm"})


def lesson_body(*, lesson: LessonPage) -> list[BodyPiece]:
    """The lesson body, its blocks that are the same for every viewer rendered once and cached.

    Keyed on the lesson's live revision and a digest of the stored body itself, so a published change (or a
    body saved without a revision) is never served stale. Cached blocks are rendered without the request or
    the player: nothing of a viewer can reach them.
    """
    raw = json.dumps(list(lesson.body.raw_data), sort_keys=True, default=str)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    key = f"learning:lesson-body:{lesson.pk}:{lesson.live_revision_id}:{digest}:{get_language()}"
    parts: list[BodyPart] | None = cache.get(key)
    if parts is None:
        parts = []
        shared: list[str] = []
        for index, block in enumerate(lesson.body):
            if block.block_type in PER_VIEW_BLOCKS:
                if shared:
                    parts.append(BodyPart(html="".join(shared)))
                    shared = []
                parts.append(BodyPart(block_index=index))
            else:
                shared.append(str(block.render_as_block(context={"page": lesson})))
        if shared:
            parts.append(BodyPart(html="".join(shared)))
        cache.set(key, parts, timeout=STRUCTURE_CACHE_TIMEOUT)
    return [
        BodyPiece(block=lesson.body[part.block_index])
        if part.block_index is not None
        else BodyPiece(html=mark_safe(part.html))  # noqa: S308 (rendered by the block templates, which escape)
        for part in parts
    ]


# The query parameter that asks the player for a preview: `?preview=1`.
PREVIEW_PARAMETER = "preview"


@dataclass
class PlayerContext:
    course: CoursePage
    lesson: LessonPage
    enrollment: Enrollment | None
    access: LessonAccess
    modules: list[OutlineModule]
    previous_lesson: LessonPage | None
    next_lesson: LessonPage | None
    is_done: bool
    progress_percent: int
    # Staff looking at the course as a learner would: nothing is recorded, and links keep the preview on.
    is_preview: bool = False
    # The generation of the cached outline (course_structure): rendered outline entries are kept under it.
    outline_generation: str = ""

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None and self.enrollment.gives_access

    @property
    def current_item(self) -> OutlineLesson | None:
        """The outline's entry for the lesson shown: what an htmx navigation or completion sends again."""
        return next((item for module in self.modules for item in module.lessons if item.is_current), None)

    @property
    def link_query(self) -> str:
        """What the player's links to other lessons append to the lesson's URL."""
        return f"?{PREVIEW_PARAMETER}=1" if self.is_preview else ""


def lesson_player(
    *, user: User | AnonymousUser, lesson: LessonPage, preview: bool = False, now: datetime | None = None
) -> PlayerContext:
    """Everything the lesson player shows, in a fixed number of queries whatever the course's size.

    The outline comes from the cache (course_structure); the learner's own state costs two queries (their
    enrolment, their completed lessons), and one more for the steps they have done when the course has any.

    `preview` (asked for by the viewer) is granted to the course's staff only: the player then shows the
    course as a learner sees it, every lesson open to read, leaving out the viewer's own enrolment, progress
    and grades, so nothing is recorded. Anyone else gets the player as usual, whatever they asked for.
    """
    now = now or timezone.now()
    structure = course_structure(course_path=course_path_of(lesson))
    assert structure is not None, "a lesson always sits in a course"
    course = structure.course
    lesson.__dict__["course"] = course  # LessonPage.course, without its query
    is_preview = preview and is_course_staff(user=user, course=course)
    enrollment, done_ids = (None, set()) if is_preview else enrollment_and_done_lessons(user=user, course=course)
    steps_done = requirements.outline_steps_done(
        user=AnonymousUser() if is_preview else user,
        pages=[step.page for step in structure.steps],
        since=enrollment.round_started_at if enrollment else None,  # renewing: a quiz passed before is not ticked
    )
    steps = [
        requirements.OutlineStep(page=step.page, kind=step.kind, is_done=step.page.pk in steps_done)
        for step in structure.steps
    ]
    modules = _outline_from(course=course, outline=structure.outline, steps=steps)
    is_staff = is_course_staff(user=user, course=course)
    ordered: list[LessonPage] = []
    for module in modules:
        for item in module.lessons:
            if item.kind:
                continue
            item.is_done = item.lesson.pk in done_ids
            item.is_current = item.lesson.pk == lesson.pk
            item.access = lesson_access(
                user=user, lesson=item.lesson, course=course, enrollment=enrollment, now=now, is_staff=is_staff
            )
            ordered.append(item.lesson)

    position = next((index for index, item in enumerate(ordered) if item.pk == lesson.pk), None)
    previous_lesson = ordered[position - 1] if position else None
    next_lesson = ordered[position + 1] if position is not None and position + 1 < len(ordered) else None
    return PlayerContext(
        course=course,
        lesson=lesson,
        enrollment=enrollment,
        access=lesson_access(
            user=user, lesson=lesson, course=course, enrollment=enrollment, now=now, is_staff=is_staff
        ),
        modules=modules,
        previous_lesson=previous_lesson,
        next_lesson=next_lesson,
        is_done=lesson.pk in done_ids,
        progress_percent=enrollment.progress_percent if enrollment and enrollment.gives_access else 0,
        is_preview=is_preview,
        outline_generation=structure.generation,
    )


def _steps_under(path: str, steps: Iterable[requirements.OutlineStep]) -> list[OutlineLesson]:
    return [
        OutlineLesson(
            lesson=step.page, number="", is_done=step.is_done, kind=step.kind, access=LessonAccess(True, "step")
        )
        for step in steps
        if step.page.path.startswith(path)
    ]


def dashboard_enrollments(*, user: User) -> QuerySet[Enrollment]:
    """The learner's active and completed courses, most recently studied first (their covers' renditions are for
    the caller to load, with any other cards': lms_site.renditions)."""
    return (
        Enrollment.objects.filter(user=user, status__in=STUDYING_STATUSES)
        .select_related("course", "course__cover_image", "last_lesson")
        .defer("last_lesson__body", "course__description")
        .order_by("status", "-last_activity_at", "-enrolled_at")
    )


# A row of cards on a wide screen.
SUGGESTION_COUNT = 3


def course_suggestions(
    *, user: User, finished: Iterable[CoursePage], limit: int = SUGGESTION_COUNT
) -> list[CoursePage]:
    """Courses for a learner with nothing left to study: live, public, not taught by them and with no enrolment of
    theirs (a course they left or had refunded is not offered again).

    Those sharing a category with a finished course come first, then those sharing a level, newest first within
    each; with nothing finished, simply the newest. One query whatever the catalogue's size, the view
    restrictions included (the covers' renditions are the caller's to load: lms_site.renditions).
    """
    finished = list(finished)
    categories = {course.category_id for course in finished if course.category_id is not None}
    levels = {course.level for course in finished}
    courses = (
        CoursePage.objects.live()
        .originals()
        .exclude(Exists(_restrictions_over(OuterRef("path"))))
        .exclude(enrollments__user=user)
        .exclude(trainer=user)
        .select_related("category", "cover_image")
        .defer("description")
        .annotate(
            same_category=Case(When(category_id__in=categories, then=1), default=0),
            same_level=Case(When(level__in=levels, then=1), default=0),
        )
        .order_by("-same_category", "-same_level", "-first_published_at", "path")
    )
    return list(courses[:limit])


def _restrictions_over(path: Any) -> QuerySet[PageViewRestriction]:
    """The view restrictions on the page at `path` or any of its ancestors: what `PageQuerySet.public()` excludes,
    as a subquery, where `public()` first reads every restriction in a query of its own."""
    restrictions: QuerySet[PageViewRestriction] = PageViewRestriction.objects.filter(
        page__path=Substr(path, 1, Length("page__path"))
    )
    return restrictions


@dataclass
class LearnerDashboard:
    active: list[Enrollment]
    completed: list[Enrollment]
    suggestions: list[CoursePage]


def learner_dashboard(*, user: User) -> LearnerDashboard:
    """The learner's courses in progress and finished; when none is in progress, courses to take up next."""
    enrollments = list(dashboard_enrollments(user=user))
    active = [enrollment for enrollment in enrollments if enrollment.status == EnrollmentStatus.ACTIVE]
    completed = [enrollment for enrollment in enrollments if enrollment.status == EnrollmentStatus.COMPLETED]
    suggestions = (
        [] if active else course_suggestions(user=user, finished=[enrollment.course for enrollment in completed])
    )
    # Every card's cover at once, most often from the cache.
    load_renditions(
        [enrollment.course.cover_image for enrollment in enrollments] + [c.cover_image for c in suggestions]
    )
    # Each card's title and summary in the reader's language (one query, none in English).
    shown = in_language_many([enrollment.course for enrollment in enrollments], fields=CARD_FIELDS)
    for enrollment, course in zip(enrollments, shown, strict=True):
        enrollment.course = course
    suggestions = in_language_many(suggestions, fields=CARD_FIELDS)
    return LearnerDashboard(active=active, completed=completed, suggestions=suggestions)


ROSTER_SORTS = {
    "name": ("user__first_name", "user__last_name", "user__username"),
    "progress": ("progress_percent", "user__username"),
    "activity": ("last_activity_at", "user__username"),
    "enrolled": ("enrolled_at", "user__username"),
}


def course_roster(
    *, course: CoursePage, sort: str = "name", page: str | int | None = 1, inactive_only: bool = False
) -> tuple[PaginatorPage[Enrollment], str]:
    """The course's learners with their progress, one page of them, sorted by a whitelisted column.

    `inactive_only` keeps the learners the trainer home counts as inactive (see `inactive_learners`).
    """
    key = sort.removeprefix("-")
    if key not in ROSTER_SORTS:
        sort, key = "name", "name"
    descending = sort.startswith("-")
    ordering = [f"-{column}" if descending else column for column in ROSTER_SORTS[key]]
    enrollments = (
        Enrollment.objects.filter(course=course)
        .exclude(status=EnrollmentStatus.PENDING_PAYMENT)
        .select_related("user")
        .order_by(*ordering, "pk")
    )
    if inactive_only:
        enrollments = enrollments.filter(inactive_learners())
    return Paginator(enrollments, 25).get_page(page), sort


# A learner still studying a course who has not opened a lesson of it for this long is worth a trainer's note.
INACTIVE_AFTER = timedelta(days=14)


def inactive_learners(*, prefix: str = "", now: datetime | None = None) -> Q:
    """Enrollments still studying (active, not completed) with no activity for INACTIVE_AFTER or longer.

    A learner who never opened a lesson counts from the day they enrolled. `prefix` is "enrollments__" when
    counting from courses.
    """
    cutoff = (now or timezone.now()) - INACTIVE_AFTER
    last_seen_before = Q(**{f"{prefix}last_activity_at__lte": cutoff}) | Q(
        **{f"{prefix}last_activity_at__isnull": True, f"{prefix}enrolled_at__lte": cutoff}
    )
    return Q(**{f"{prefix}status": EnrollmentStatus.ACTIVE}) & last_seen_before


def taught_courses(*, user: User, now: datetime | None = None) -> QuerySet[CoursePage]:
    """Courses whose rosters the user may see (all for admins), with their learner counts, in one query.

    `inactive_count` counts the learners `inactive_learners` describes.
    """
    courses = CoursePage.objects.originals()
    if not user.is_superuser:
        courses = courses.filter(trainer=user)
    counted: QuerySet[CoursePage] = courses.annotate(
        active_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)),
        completed_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.COMPLETED)),
        inactive_count=Count("enrollments", filter=inactive_learners(prefix="enrollments__", now=now)),
    ).order_by("title")
    return counted


@dataclass
class TrainerHome:
    """What the trainer home lists from learning: the courses, and those with inactive learners."""

    courses: list[CoursePage]
    inactive_after_days: int = INACTIVE_AFTER.days

    @property
    def with_inactive_learners(self) -> list[CoursePage]:
        return [course for course in self.courses if course.inactive_count]  # taught_courses' annotation


def trainer_home(*, user: User, now: datetime | None = None) -> TrainerHome:
    return TrainerHome(courses=list(taught_courses(user=user, now=now)))
