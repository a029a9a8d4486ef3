from celery import shared_task

from courses.models import CoursePage

from . import services


@shared_task
def recompute_course_progress(course_id: int) -> int:
    """Re-derives progress for a course's enrollments after its lessons changed; safe to run twice."""
    course = CoursePage.objects.filter(pk=course_id).first()
    if course is None:
        return 0
    return services.recompute_course_progress(course=course)
