from decimal import Decimal

import pytest

from assessments.templatetags.assessment_tags import plural_count


@pytest.mark.parametrize(
    ("points", "expected"),
    [("1", 1), ("2", 2), ("100", 100), ("0.5", 2), ("1.5", 2), ("2.25", 3), (Decimal("1"), 1), ("", 0), ("NaN", 0)],
)
def test_points_give_a_whole_number_for_the_plural_form(points, expected):
    assert plural_count(points) == expected
