from django.db.models import Count

from learning.requirements import RequirementCount

from .models import AssessmentPage, Attempt


def required_assessments(*, course):
    return AssessmentPage.objects.live().descendant_of(course).filter(is_required=True)


def required_assessments_passed(*, course, enrollments) -> RequirementCount:
    """The course-completion requirement assessments add: every live required assessment passed once."""
    required_ids = list(required_assessments(course=course).values_list("pk", flat=True))
    if not required_ids or not enrollments:
        return RequirementCount(total=len(required_ids))
    enrollment_by_user = {enrollment.user_id: enrollment.pk for enrollment in enrollments}
    passed = (
        Attempt.objects.filter(assessment_id__in=required_ids, passed=True, user_id__in=enrollment_by_user)
        .values("user_id")
        .annotate(assessments=Count("assessment_id", distinct=True))
    )
    return RequirementCount(
        total=len(required_ids),
        done={enrollment_by_user[row["user_id"]]: row["assessments"] for row in passed},
    )
