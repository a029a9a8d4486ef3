"""Seed data for benchmarks: a catalogue of live courses, each with modules and lessons.

Pages are created live with `add_child` instead of going through revisions and `publish()`, which is
several times slower and adds nothing a read benchmark looks at. They are added to the search index
in bulk at the end rather than one by one as they are saved, and left out of Wagtail's reference
index (which only feeds the admin's "usage" listings). Everything is deterministic: the same arguments
give the same titles, prices and levels, so runs can be compared.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update

from accounts.models import Role, User
from courses.models import Category, CourseIndexPage, CoursePage, Currency, LessonPage, Level, ModulePage
from home.models import HomePage

# A quarter of the subjects mention Python, so a search for it finds courses at every size.
SUBJECTS = [
    "Python",
    "Web Apps with Django and Python",
    "Data Analysis with Python",
    "Machine Learning in Python",
    "JavaScript",
    "SQL",
    "Project Management",
    "Leadership",
    "Public Speaking",
    "Accounting",
    "Digital Marketing",
    "UX Design",
    "Photography",
    "Spanish",
    "Cloud Computing",
    "Cybersecurity",
]
FORMATS = ["Introduction to", "Practical", "Mastering", "Foundations of", "Hands-on", "Advanced Topics in"]
CATEGORY_NAMES = [
    "Programming",
    "Data",
    "Business",
    "Design",
    "Languages",
    "Personal Development",
    "IT and Security",
    "Creative Arts",
]
PRICES = [Decimal("0.00"), Decimal("0.00"), Decimal("19.00"), Decimal("49.00"), Decimal("99.00"), Decimal("249.00")]


@dataclass
class SeededCatalogue:
    catalogue: CourseIndexPage
    courses: int
    pages: int  # every page below the catalogue: courses, modules and lessons


def seed_catalogue(
    *,
    courses: int,
    categories: int = len(CATEGORY_NAMES),
    modules_per_course: int = 3,
    lessons_per_module: int = 3,
    trainers: int = 5,
) -> SeededCatalogue:
    """Tops the catalogue at /courses/ up to `courses` live courses and returns it.

    Courses already there count, so a benchmark can grow one catalogue through several sizes.
    """
    home = HomePage.objects.get()
    catalogue = CourseIndexPage.objects.child_of(home).filter(slug="courses").first()
    if catalogue is None:
        catalogue = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses", live=True))
    category_rows = _ensure_categories(categories)
    trainer_rows = _ensure_trainers(trainers)

    existing = CoursePage.objects.child_of(catalogue).count()
    created: dict[type[Page], list[Page]] = defaultdict(list)
    with _search_index_auto_update_off(), disable_reference_index_auto_update():
        for number in range(existing + 1, courses + 1):
            # One transaction per course: SQLite commits are slow, and a stopped run leaves whole courses.
            with transaction.atomic():
                pages = _add_course(
                    catalogue,
                    number=number,
                    category=category_rows[number % len(category_rows)],
                    trainer=trainer_rows[number % len(trainer_rows)] if trainer_rows else None,
                    modules=modules_per_course,
                    lessons_per_module=lessons_per_module,
                )
            for page in pages:
                created[type(page)].append(page)
    _add_to_search_index(created)
    return SeededCatalogue(
        catalogue=catalogue,
        courses=CoursePage.objects.child_of(catalogue).count(),
        pages=catalogue.get_descendants().count(),
    )


def _search_index_auto_update_off():
    # Indexing page by page costs a dozen queries per page, one of them a scan of the whole index (the
    # database backend renormalises title lengths), so seeding would slow down as the catalogue grows.
    backends = {name: {**params, "AUTO_UPDATE": False} for name, params in settings.WAGTAILSEARCH_BACKENDS.items()}
    return override_settings(WAGTAILSEARCH_BACKENDS=backends)


def _add_to_search_index(created: dict[type[Page], list[Page]], chunk: int = 500) -> None:
    for backend in get_search_backends(with_auto_update=True):
        for model, pages in created.items():
            for start in range(0, len(pages), chunk):
                backend.add_bulk(model, pages[start : start + chunk])


def _ensure_categories(count: int) -> list[Category]:
    names = [CATEGORY_NAMES[i] if i < len(CATEGORY_NAMES) else f"Category {i + 1}" for i in range(count)]
    present = set(Category.objects.filter(name__in=names).values_list("name", flat=True))
    # bulk_create skips Category.save(), which is what fills the slug in.
    Category.objects.bulk_create([Category(name=name, slug=slugify(name)) for name in names if name not in present])
    return list(Category.objects.filter(name__in=names).order_by("pk"))


def _ensure_trainers(count: int) -> list[User]:
    trainers = []
    for n in range(1, count + 1):
        user, created = User.objects.get_or_create(
            username=f"bench-trainer-{n}",
            defaults={"email": f"bench-trainer-{n}@example.com", "role": Role.TRAINER, "first_name": f"Trainer {n}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        trainers.append(user)
    return trainers


def _add_course(
    catalogue: CourseIndexPage,
    *,
    number: int,
    category: Category,
    trainer: User | None,
    modules: int,
    lessons_per_module: int,
) -> list[Page]:
    """Adds one live course with its modules and lessons; returns every page it created."""
    rng = random.Random(number)  # per course, so a course looks the same whatever size is seeded
    subject = SUBJECTS[number % len(SUBJECTS)]
    title = f"{rng.choice(FORMATS)} {subject} {number}"
    now = timezone.now()
    price = rng.choice(PRICES)
    course = catalogue.add_child(
        instance=CoursePage(
            title=title,
            slug=slugify(title),
            summary=f"A course on {subject.lower()} for {rng.choice(['teams', 'beginners', 'professionals'])}.",
            category=category,
            level=rng.choice(Level.values),
            estimated_minutes=rng.choice([45, 90, 180, 360, 600]),
            price=price,
            currency=Currency.EUR,
            trainer=trainer,
            live=True,
            first_published_at=now,
            last_published_at=now,
        )
    )
    pages: list[Page] = [course]
    for m in range(1, modules + 1):
        module = course.add_child(
            instance=ModulePage(title=f"{subject} module {m}", slug=f"module-{m}", live=True, first_published_at=now)
        )
        pages.append(module)
        for n in range(1, lessons_per_module + 1):
            lesson = module.add_child(
                instance=LessonPage(
                    title=f"{subject} lesson {m}.{n}",
                    slug=f"lesson-{m}-{n}",
                    summary=f"Part {n} of module {m}.",
                    is_free_preview=(m == 1 and n == 1),
                    body=[{"type": "rich_text", "value": f"<p>Notes on {subject.lower()}, part {m}.{n}.</p>"}],
                    live=True,
                    first_published_at=now,
                )
            )
            pages.append(lesson)
    return pages
