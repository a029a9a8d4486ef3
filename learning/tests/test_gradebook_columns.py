"""The gradebook column registry: each provider asked once, with every learner, columns in registration order."""

from decimal import Decimal

from learning import gradebook_columns
from learning.gradebook_columns import ColumnCell, GradebookColumn

BLANK = ColumnCell(percent=None, status="not attempted", label="not attempted")


def test_each_provider_is_asked_once_for_all_learners_in_registration_order(monkeypatch):
    monkeypatch.setattr(gradebook_columns, "_providers", [])
    calls = []

    def first(*, course, user_ids):
        calls.append(("first", course, user_ids))
        cell = ColumnCell(percent=Decimal("80"), status="passed", label="passed")
        return [GradebookColumn(key="a", title="A", kind="X", blank=BLANK, cells={1: cell})]

    def second(*, course, user_ids):
        calls.append(("second", course, user_ids))
        return [GradebookColumn(key="b", title="B", kind="Y", blank=BLANK)]

    gradebook_columns.register(first)
    gradebook_columns.register(second)
    gradebook_columns.register(first)  # registering twice (ready() run again) adds nothing

    columns = gradebook_columns.columns(course="course", user_ids=iter([1, 2]))

    assert calls == [("first", "course", [1, 2]), ("second", "course", [1, 2])]
    assert [column.key for column in columns] == ["a", "b"]
    assert columns[0].cell(1).percent == Decimal("80") and columns[0].cell(2) == BLANK
