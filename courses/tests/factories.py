from decimal import Decimal

from courses.models import Category, CourseIndexPage, CoursePage, LessonPage, ModulePage


def make_category(name: str = "Programming") -> Category:
    category, _ = Category.objects.get_or_create(name=name)
    return category


def make_course(
    catalogue: CourseIndexPage,
    *,
    title: str,
    modules: int = 1,
    lessons_per_module: int = 2,
    publish: bool = True,
    category: Category | None = None,
    with_revisions: bool = True,
    **fields,
) -> CoursePage:
    """A course with its modules and lessons, published like an editor would (revision, then publish).

    with_revisions=False creates the modules and lessons live without revisions: much faster for the
    large courses that query-count tests need.
    """
    fields.setdefault("summary", f"Learn {title.lower()} step by step.")
    fields.setdefault("price", Decimal("0.00"))
    course = catalogue.add_child(
        instance=CoursePage(title=title, category=category or make_category(), live=False, **fields)
    )
    if publish:
        course.save_revision().publish()
    for m in range(1, modules + 1):
        module = course.add_child(instance=ModulePage(title=f"{title} module {m}", live=not with_revisions))
        if with_revisions:
            module.save_revision().publish()
        for n in range(1, lessons_per_module + 1):
            lesson = module.add_child(
                instance=LessonPage(
                    title=f"{title} lesson {m}.{n}",
                    live=not with_revisions,
                    is_free_preview=(m == 1 and n == 1),
                    body=[{"type": "rich_text", "value": f"<p>Body of lesson {m}.{n}</p>"}],
                )
            )
            if with_revisions:
                lesson.save_revision().publish()
    course.refresh_from_db()
    return course
