import pytest

from lms_site.spreadsheets import FORMULA_PREFIXES, defuse, text_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tcmd", "'\tcmd"),
        ("\r=x", "'\r=x"),
        ("\n=x", "'\n=x"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠A1", "'＠A1"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        (None, ""),
        (50, "50"),
    ],
)
def test_cells_cannot_become_formulas(value, cell):
    assert text_cell(value) == cell


def test_every_prefix_is_defused():
    assert all(defuse(prefix + "SUM(A1)").startswith("'") for prefix in FORMULA_PREFIXES)
