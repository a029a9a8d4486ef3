from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict

from lms_site.translated_pages import in_language_many

from .forms import CatalogueFilterForm
from .models import Category, CourseIndexPage, CoursePage, LessonPage, Level, ModulePage


def catalogue_courses(
    *, catalogue: CourseIndexPage, category: str = "", level: str = "", price: str = "", q: str = ""
) -> QuerySet[CoursePage] | list[CoursePage]:
    """Live, public courses in a catalogue, filtered; searched and ranked when there is a query."""
    courses: QuerySet[CoursePage] = (
        CoursePage.objects.live()
        .public()
        .descendant_of(catalogue)
        .select_related("category", "trainer", "cover_image")
        .prefetch_related(Prefetch("cover_image__renditions"))
        .order_by("path")
    )
    if category:
        courses = courses.filter(category__slug=category)
    if level:
        courses = courses.filter(level=level)
    if price == "free":
        courses = courses.filter(price=0)
    elif price == "paid":
        courses = courses.filter(price__gt=0)
    if q:
        # Rank with Wagtail search, then load the ranked rows with their relations in one query.
        # PageQuerySet.search: Wagtail has no type hints, and QuerySet has no search().
        ranked_ids = [page.pk for page in courses.search(q, operator="and")]  # type: ignore[attr-defined]
        by_id = courses.in_bulk(ranked_ids)
        return [by_id[pk] for pk in ranked_ids if pk in by_id]
    return courses


def catalogue_page(*, catalogue: CourseIndexPage, params: QueryDict) -> dict[str, Any]:
    """Everything the catalogue template needs for one request."""
    categories = list(Category.objects.filter(courses__live=True).distinct())
    form = CatalogueFilterForm(params, categories=categories, levels=Level.choices)
    filters = form.filters()
    courses = catalogue_courses(catalogue=catalogue, **filters)
    paginator = Paginator(courses, settings.LMS_CATALOGUE_PAGE_SIZE)
    page_obj = paginator.get_page(params.get("page"))
    # Loaded here, so the rows come from where the caller chose to read (lms_site.replicas.replica_reads);
    # each card in the reader's language where the course is translated.
    page_obj.object_list = in_language_many(page_obj.object_list, fields=CARD_FIELDS)
    # Page links keep the filters so a shared URL shows the same results.
    kept = QueryDict(mutable=True)
    kept.update(filters)
    return {
        "filter_form": form,
        "page_obj": page_obj,
        "courses": page_obj.object_list,
        "active_filters": filters,
        # The search box stays in view on a phone; this counts the filters folded away beside it.
        "active_filter_count": sum(1 for name in ("category", "level", "price") if name in filters),
        "filter_querystring": kept.urlencode(),
    }


# What a course card shows of a course's text.
CARD_FIELDS = ("title", "summary")

OUTLINE_LESSON_FIELDS = (
    "id",
    "title",
    "slug",
    "path",
    "depth",
    "url_path",
    "live",
    "locale_id",
    "content_type_id",
    "estimated_minutes",
    "is_free_preview",
    "drip_days",
    "available_from",
)


@dataclass
class ModuleOutline:
    module: ModulePage
    lessons: list[LessonPage]

    @property
    def minutes(self) -> int:
        return sum(lesson.estimated_minutes for lesson in self.lessons)


def course_outline(*, course: CoursePage) -> list[ModuleOutline]:
    """The live modules of a course with their live lessons, in tree order, in two queries (two more in a
    language the course is translated into: its titles)."""
    modules = in_language_many(ModulePage.objects.live().child_of(course).order_by("path"))
    # Only what an outline shows and links need: a 200-lesson course otherwise loads every page column.
    lessons = in_language_many(
        LessonPage.objects.live().descendant_of(course).order_by("path").only(*OUTLINE_LESSON_FIELDS),
        fields=("title",),
    )
    by_module: dict[str, list[LessonPage]] = {module.path: [] for module in modules}
    for lesson in lessons:
        parent_path = lesson.path[: -CoursePage.steplen]
        if parent_path in by_module:
            by_module[parent_path].append(lesson)
    return [ModuleOutline(module=module, lessons=by_module[module.path]) for module in modules]
