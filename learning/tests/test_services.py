from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.models import LessonPage, ModulePage
from courses.tests.factories import make_course
from learning import services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress
from learning.signals import enrollment_completed, lesson_completed

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    """Collects the learning domain events sent during a test."""
    sent = []

    def on_lesson(sender, enrollment, lesson, **kwargs):
        sent.append(("lesson_completed", enrollment.pk, lesson.pk))

    def on_course(sender, enrollment, **kwargs):
        sent.append(("enrollment_completed", enrollment.pk))

    lesson_completed.connect(on_lesson, dispatch_uid="test-lesson-events")
    enrollment_completed.connect(on_course, dispatch_uid="test-course-events")
    yield sent
    lesson_completed.disconnect(dispatch_uid="test-lesson-events")
    enrollment_completed.disconnect(dispatch_uid="test-course-events")


def course_events(events):
    return [event for event in events if event[0] == "enrollment_completed"]


# Enrolment


def test_enrol_in_a_free_course(learner, course, lessons):
    enrollment = services.enroll(user=learner, course=course)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.last_lesson == lessons[0]
    assert enrollment.progress_percent == 0
    again = services.enroll(user=learner, course=course)
    assert again.pk == enrollment.pk
    assert Enrollment.objects.filter(user=learner).count() == 1


def test_paid_course_cannot_be_enrolled_in_for_free(learner, paid_course):
    with pytest.raises(services.PaymentRequired):
        services.enroll(user=learner, course=paid_course)
    assert not Enrollment.objects.exists()


def test_draft_course_cannot_be_enrolled_in(learner, catalogue):
    draft = make_course(catalogue, title="Draft", publish=False)
    with pytest.raises(services.CourseUnavailable):
        services.enroll(user=learner, course=draft)


@pytest.mark.parametrize("who", ["anonymous", "banned"])
def test_only_signed_in_unbanned_users_enrol(course, who):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else UserFactory(is_banned=True)
    with pytest.raises(services.NotAllowed):
        services.enroll(user=user, course=course)
    assert not Enrollment.objects.exists()


def test_prerequisites_must_be_completed_first(learner, catalogue, course, lessons):
    advanced = make_course(catalogue, title="Advanced", modules=1)
    advanced.prerequisites.add(course)
    advanced.save_revision().publish()

    with pytest.raises(services.PrerequisitesMissing, match="Intro to Testing"):
        services.enroll(user=learner, course=advanced)

    enrollment = services.enroll(user=learner, course=course)
    for lesson in lessons:
        services.complete_lesson(enrollment=enrollment, lesson=lesson)
    assert services.enroll(user=learner, course=advanced).status == EnrollmentStatus.ACTIVE


def test_leaving_and_coming_back_keeps_progress(learner, course, lessons):
    enrollment = services.enroll(user=learner, course=course)
    services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    left = services.leave_course(enrollment=enrollment)
    assert left.status == EnrollmentStatus.CANCELLED and left.cancelled_at
    assert services.leave_course(enrollment=left).status == EnrollmentStatus.CANCELLED  # idempotent

    with pytest.raises(services.NotEnrolled):
        services.complete_lesson(enrollment=left, lesson=lessons[1])

    back = services.enroll(user=learner, course=course)
    assert back.pk == enrollment.pk
    assert back.status == EnrollmentStatus.ACTIVE and back.progress_percent == 25


def test_paid_course_cannot_be_left_here(learner, paid_course):
    # Paid enrollments come from the billing app; here one is created as it would leave it.
    enrollment = Enrollment.objects.create(
        user=learner, course=paid_course, status=EnrollmentStatus.ACTIVE, enrolled_at=timezone.now()
    )
    with pytest.raises(services.NotAllowed, match="refund"):
        services.leave_course(enrollment=enrollment)


# Completing lessons


def test_completing_a_lesson_is_idempotent(learner, course, lessons, events):
    enrollment = services.enroll(user=learner, course=course)
    first = services.complete_lesson(enrollment=enrollment, lesson=lessons[1])
    second = services.complete_lesson(enrollment=enrollment, lesson=lessons[1])
    assert first.lesson_newly_completed and not second.lesson_newly_completed
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
    assert second.enrollment.progress_percent == 25
    assert events == [("lesson_completed", enrollment.pk, lessons[1].pk)]


def test_progress_rounds_down(learner, catalogue):
    three = make_course(catalogue, title="Three", modules=1, lessons_per_module=3)
    lessons = list(LessonPage.objects.live().descendant_of(three).order_by("path"))
    enrollment = services.enroll(user=learner, course=three)
    assert services.complete_lesson(enrollment=enrollment, lesson=lessons[0]).enrollment.progress_percent == 33
    assert services.complete_lesson(enrollment=enrollment, lesson=lessons[1]).enrollment.progress_percent == 66


def test_a_lesson_of_another_course_is_refused(learner, catalogue, course):
    other = make_course(catalogue, title="Other", modules=1)
    foreign_lesson = LessonPage.objects.descendant_of(other).first()
    enrollment = services.enroll(user=learner, course=course)
    with pytest.raises(services.LessonNotInCourse):
        services.complete_lesson(enrollment=enrollment, lesson=foreign_lesson)
    assert not LessonProgress.objects.exists()


def test_an_unpublished_lesson_is_refused(learner, course, lessons):
    enrollment = services.enroll(user=learner, course=course)
    lessons[2].unpublish()
    with pytest.raises(services.LessonNotInCourse):
        services.complete_lesson(enrollment=enrollment, lesson=LessonPage.objects.get(pk=lessons[2].pk))


def test_banned_learner_cannot_record_progress(learner, course, lessons):
    enrollment = services.enroll(user=learner, course=course)
    learner.is_banned = True
    learner.save()
    with pytest.raises(services.NotEnrolled):
        services.complete_lesson(enrollment=enrollment, lesson=lessons[0])


# Drip release


def test_drip_days_lock_a_lesson_until_its_day(learner, course, lessons):
    lesson = lessons[1]
    lesson.drip_days = 3
    lesson.save_revision().publish()
    enrollment = services.enroll(user=learner, course=course)

    with pytest.raises(services.LessonLocked, match="opens on"):
        services.complete_lesson(enrollment=enrollment, lesson=lesson)

    in_four_days = timezone.now() + timedelta(days=4)
    with mock.patch("django.utils.timezone.now", return_value=in_four_days):
        assert services.complete_lesson(enrollment=enrollment, lesson=lesson).lesson_newly_completed


def test_drip_date_locks_a_lesson_until_that_date(learner, course, lessons):
    lesson = lessons[2]
    lesson.available_from = timezone.now() + timedelta(days=10)
    lesson.save_revision().publish()
    enrollment = services.enroll(user=learner, course=course)
    with pytest.raises(services.LessonLocked):
        services.complete_lesson(enrollment=enrollment, lesson=lesson)
    # A free preview is open to everyone, so drip never hides it.
    preview = lessons[0]
    preview.available_from = timezone.now() + timedelta(days=10)
    preview.save_revision().publish()
    assert services.complete_lesson(enrollment=enrollment, lesson=preview).lesson_newly_completed


# Course completion


def test_course_completes_once_when_every_lesson_is_done(learner, course, lessons, events):
    enrollment = services.enroll(user=learner, course=course)
    results = [services.complete_lesson(enrollment=enrollment, lesson=lesson) for lesson in lessons]
    assert [r.course_newly_completed for r in results] == [False, False, False, True]
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.progress_percent == 100 and enrollment.completed_at

    # Replays and recomputes change nothing and send nothing again.
    services.complete_lesson(enrollment=enrollment, lesson=lessons[-1])
    services.recompute_course_progress(course=course)
    assert course_events(events) == [("enrollment_completed", enrollment.pk)]


# Progress follows the page tree


def test_unpublishing_lessons_recomputes_progress(learner, course, lessons, run_on_commit, events):
    enrollment = services.enroll(user=learner, course=course)
    services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    services.complete_lesson(enrollment=enrollment, lesson=lessons[1])

    run_on_commit(lessons[0].unpublish)  # a completed lesson leaves: 1 of 3
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33

    run_on_commit(lessons[2].unpublish)  # an open lesson leaves: 1 of 2
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 50

    run_on_commit(lessons[3].unpublish)  # only the completed lesson is left: the course is complete
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.progress_percent == 100
    assert course_events(events) == [("enrollment_completed", enrollment.pk)]


def test_publishing_a_new_lesson_lowers_progress(learner, course, lessons, run_on_commit):
    enrollment = services.enroll(user=learner, course=course)
    for lesson in lessons[:2]:
        services.complete_lesson(enrollment=enrollment, lesson=lesson)
    module = ModulePage.objects.child_of(course).last()
    new_lesson = module.add_child(instance=LessonPage(title="Bonus", live=False))
    run_on_commit(new_lesson.save_revision().publish)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 40


def test_unpublishing_a_module_hides_its_lessons_from_progress(learner, course, lessons, run_on_commit):
    enrollment = services.enroll(user=learner, course=course)
    services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    second_module = ModulePage.objects.child_of(course).last()
    run_on_commit(second_module.unpublish)  # its lessons stay live, but no longer count
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 50  # 1 of the 2 lessons left in the live module


def test_moving_a_lesson_to_another_course_recomputes_both(learner, catalogue, course, lessons, run_on_commit):
    other = make_course(catalogue, title="Other", modules=1, lessons_per_module=1)
    other_lesson = LessonPage.objects.live().descendant_of(other).get()
    here = services.enroll(user=learner, course=course)
    there = services.enroll(user=learner, course=other)
    services.complete_lesson(enrollment=here, lesson=lessons[0])
    services.complete_lesson(enrollment=there, lesson=other_lesson)
    assert there.status == EnrollmentStatus.ACTIVE  # refreshed below
    there.refresh_from_db()
    assert there.status == EnrollmentStatus.COMPLETED

    target_module = ModulePage.objects.child_of(other).get()
    run_on_commit(LessonPage.objects.get(pk=lessons[1].pk).move, target_module, pos="last-child")
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.progress_percent == 33  # 1 of the 3 lessons left
    assert there.progress_percent == 50  # a new lesson arrived; the completed status stays
    assert there.status == EnrollmentStatus.COMPLETED


def test_deleting_a_lesson_recomputes_progress(learner, course, lessons, run_on_commit):
    enrollment = services.enroll(user=learner, course=course)
    services.complete_lesson(enrollment=enrollment, lesson=lessons[0])
    run_on_commit(LessonPage.objects.get(pk=lessons[3].pk).delete)
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33


def test_a_course_with_learners_cannot_be_deleted(learner, course):
    from django.db.models import ProtectedError

    services.enroll(user=learner, course=course)
    with pytest.raises(ProtectedError):
        course.delete()


class TestEnrolmentConfirmation:
    def test_enrolling_mails_one_confirmation_and_coming_back_mails_another(
        self, learner, course, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            enrollment = services.enroll(user=learner, course=course)
            services.enroll(user=learner, course=course)  # a second click changes nothing
        assert [m.subject for m in mailoutbox] == [f"You are enrolled in {course.title}"]
        assert f"http://testserver{course.url}" in mailoutbox[0].body
        with django_capture_on_commit_callbacks(execute=True):
            services.leave_course(enrollment=enrollment)
            services.enroll(user=learner, course=course)
        assert len(mailoutbox) == 2

    def test_a_learner_who_turned_it_off_gets_none(
        self, learner, course, mailoutbox, django_capture_on_commit_callbacks
    ):
        learner.muted_notifications = ["enrolment"]
        learner.save()
        with django_capture_on_commit_callbacks(execute=True):
            services.enroll(user=learner, course=course)
        assert mailoutbox == []
