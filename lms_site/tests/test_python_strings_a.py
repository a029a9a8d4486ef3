"""The messages and errors people read go through translation: in the apps below, a flash message
(`messages.success(request, "...")`) or a user-facing error (`raise ValidationError("...")`,
`raise LearningError("...")`, …) whose text is a plain string or f-string fails here, with file:line.

Text counts as translatable when it is a gettext call (`_("...")`, `ngettext(...)`, …), or such a call
formatted with `%` / `format_lazy`. Anything else that is not a literal (a variable, `str(error)`) is the
caller's business and passes: this test looks only at literals written where the message is used.
"""

import ast
from pathlib import Path

from django.conf import settings

APPS = ["learning", "assessments", "courses", "gamification", "home", "media_pipeline", "scorm", "lti"]

GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "format_lazy",
}
MESSAGE_CALLS = {"debug", "info", "success", "warning", "error"}
# Errors people read: Django's and Wagtail's validation errors, and each app's own service errors, which views
# turn into messages or error pages. Their subclasses (NotAllowed, UploadRejected, …) are found below.
USER_FACING_ROOTS = {
    "ValidationError",
    "StructBlockValidationError",
    "LearningError",
    "AssessmentError",
    "GamificationError",
    "SiteError",
    "LtiError",
    "MediaError",
    "ScormError",
}
# file:line of literals that are deliberately left in English, with the reason. Keep it short.
ALLOWED: dict[str, str] = {}


def app_sources() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(
        path
        for app in APPS
        for path in (root / app).rglob("*.py")
        if "tests" not in path.relative_to(root).parts and "migrations" not in path.relative_to(root).parts
    )


def name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def user_facing_errors(trees: list[ast.Module]) -> set[str]:
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(name_of(base) for base in node.bases)
    found = set(USER_FACING_ROOTS)
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def is_literal(node: ast.expr) -> bool:
    """A string people would read in English whatever their language."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):  # "..." % args, "..." + more; _("...") % args is fine
        if isinstance(node.left, ast.Call) and name_of(node.left.func) in GETTEXT:
            return False
        return is_literal(node.left) or is_literal(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return is_literal(node.func.value)  # "...".format(...)
    if isinstance(node, ast.Dict):  # ValidationError({"field": "..."})
        return any(value is not None and is_literal(value) for value in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(is_literal(item) for item in node.elts)
    if isinstance(node, ast.Call) and name_of(node.func) in USER_FACING_ROOTS:  # [ValidationError("...")]
        return bool(node.args) and is_literal(node.args[0])
    if isinstance(node, ast.Call) and name_of(node.func) == "ErrorList":
        return bool(node.args) and is_literal(node.args[0])
    return False


def message_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "messages":
        if func.attr in MESSAGE_CALLS and len(call.args) >= 2:
            return call.args[1]
        if func.attr == "add_message" and len(call.args) >= 3:
            return call.args[2]
    return None


def untranslated(path: Path, tree: ast.Module, errors: set[str]) -> list[str]:
    where = str(path.relative_to(settings.BASE_DIR))
    found = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Call):
            text = message_argument(node) if name_of(node.func) in MESSAGE_CALLS | {"add_message"} else None
            if text is None and name_of(node.func) in errors:
                text = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "message"), None)
        line = getattr(node, "lineno", 0)
        if text is not None and is_literal(text) and f"{where}:{line}" not in ALLOWED:
            found.append(f"{where}:{line}: {ast.unparse(text)[:90]}")
    return found


def test_the_checker_finds_literals_and_accepts_gettext():
    tree = ast.parse(
        "messages.success(request, 'Saved.')\n"
        "messages.error(request, _('Not saved.'))\n"
        "raise ValidationError(f'No {thing}.')\n"
        "raise ValidationError({'field': 'Wrong.'})\n"
        "raise LearningError(_('Closed %(x)s.') % {'x': 1})\n"
        "raise NotAllowed(str(error))\n"
        "raise OtherError('Developers only.')\n"
        "class NotAllowed(LearningError): pass\n"
    )
    path = Path(settings.BASE_DIR) / "learning" / "example.py"
    found = untranslated(path, tree, user_facing_errors([tree]))
    assert [line.split(":")[1] for line in found] == ["1", "3", "4"]


def test_flash_messages_and_user_facing_errors_are_translatable():
    sources = app_sources()
    assert len(sources) > 50, "the apps were not found"
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in sources}
    errors = user_facing_errors(list(trees.values()))
    assert {"NotAllowed", "UploadRejected", "PackageRejected", "ScorePostFailed"} <= errors
    found = [line for path, tree in trees.items() for line in untranslated(path, tree, errors)]
    assert not found, "Wrap these in gettext (`_()`):\n" + "\n".join(found)
