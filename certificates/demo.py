"""Demo data: the second demo learner has finished the Python course, so a certificate exists to look at."""

from courses.models import CoursePage, LessonPage
from learning import selectors as learning_selectors
from learning import services as learning_services

DEMO_COMPLETED_COURSE = "python-for-data-analysis"


def seed_completed_course(*, learner, courses: list[CoursePage]) -> None:
    """Idempotent: completing lessons already completed changes nothing. The certificate itself is issued
    by the usual task once the seeding transaction commits."""
    course = next((course for course in courses if course.slug == DEMO_COMPLETED_COURSE), None)
    if course is None:
        return
    enrollment = learning_selectors.enrollment_for(user=learner, course=course) or learning_services.enroll(
        user=learner, course=course
    )
    for lesson in LessonPage.objects.live().descendant_of(course).order_by("path"):
        enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment
