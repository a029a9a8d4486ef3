"""Every message these apps show people goes through gettext, and exports speak the language of who asked.

The scan reads the apps' source with `ast` (nothing is imported or run), so a new untranslated
`messages.error(request, "...")` or `raise BillingError("...")` fails here with its file and line.
"""

import ast
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
APPS = ("billing", "organisations", "analytics", "certificates", "webhooks", "xapi", "scheduling", "lms_site")
# Another helper's files (their strings are checked there).
OTHERS = {
    "certificates/pdf.py",
    "billing/receipts.py",
    "billing/invoices.py",
    "lms_site/formatting.py",
    "lms_site/i18n.py",
}
# Errors whose message reaches a person (a page, a flash message, a JSON answer the site's JS shows).
# Their subclasses in these apps are found below, so `raise NotAllowed("...")` counts too.
USER_FACING_ERRORS = {
    "ValidationError",
    "BillingError",
    "OrganisationError",
    "CsvFileError",
    "ExportError",
    "CertificateError",
    "SchedulingError",
    "WebhookError",
    "XapiError",
    "BadInput",
}
# Raised texts that reach no person, each with why: (file, text).
ALLOWED = {
    # Answers Stripe's servers (the webhook endpoint's 400), never a page a person reads.
    ("billing/services.py", "Missing Stripe-Signature header."),
    ("billing/services.py", "Webhook refused: not a Stripe event."),
    ("billing/services.py", "Webhook refused: "),
    # Caught two lines below and replaced by a translated message naming the address.
    ("organisations/csv_import.py", "too long"),
}
MESSAGE_LEVELS = {"success", "error", "info", "warning", "debug"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "format_lazy"}


def source_files() -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
                continue
            if relative in OTHERS or relative.startswith("lms_site/settings/"):
                continue
            files.append(path)
    return files


def parsed() -> dict[str, ast.Module]:
    return {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(), filename=str(path)) for path in source_files()
    }


def base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def user_facing_errors(modules: dict[str, ast.Module]) -> set[str]:
    """The roots plus every class of these apps that derives from one of them (to a fixed point)."""
    names = set(USER_FACING_ERRORS)
    classes = [node for tree in modules.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            if cls.name not in names and any(base_name(base) in names for base in cls.bases):
                names.add(cls.name)
                grew = True
    return names


def untranslated(node: ast.expr | None) -> bool:
    """A text written in the source that reaches a person without gettext: a literal, an f-string, a literal
    formatted with % or .format(), or a dict/list of those (ValidationError takes both)."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return untranslated(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return untranslated(node.func.value)
    if isinstance(node, ast.Dict):
        return any(untranslated(value) for value in node.values)
    if isinstance(node, ast.List | ast.Tuple):
        return any(untranslated(element) for element in node.elts)
    return False


def literal_text(node: ast.expr) -> str:
    """The written part of a literal or an f-string: what the allow-list names."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(part.value) for part in node.values if isinstance(part, ast.Constant))
    return ""


def message_argument(call: ast.Call, position: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "message":
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def findings(modules: dict[str, ast.Module]) -> list[str]:
    errors = user_facing_errors(modules)
    found = []
    for relative, tree in modules.items():
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id == "messages":
                    if node.func.attr in MESSAGE_LEVELS:
                        text = message_argument(node, 1)
                    elif node.func.attr == "add_message":
                        text = message_argument(node, 2)
            elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and base_name(node.exc.func) in errors:
                text = message_argument(node.exc, 0)
            if text is not None and untranslated(text) and (relative, literal_text(text)) not in ALLOWED:
                found.append((relative, getattr(node, "lineno", 0)))
    return [f"{relative}:{line}" for relative, line in sorted(found)]


def test_messages_and_user_facing_errors_are_translatable():
    found = findings(parsed())
    assert not found, "Wrap these texts in gettext (`_()`):\n" + "\n".join(found)


def test_the_scan_catches_what_it_is_for():
    """The scan itself: a literal, an f-string and a %-formatted literal are caught, gettext ones are not, and a
    subclass of a user-facing error counts as one."""
    source = """
class Refused(BillingError):
    pass

def view(request, name):
    messages.success(request, "Saved.")
    messages.error(request, f"No {name}.")
    messages.info(request, _("Fine."))
    messages.warning(request, message="Careful %s" % name)
    raise Refused("No.")
    raise ValidationError({"email": "Bad address."})
    raise ValidationError(_("Fine %(name)s") % {"name": name})
    raise KeyError("developers only")
"""
    assert findings({"x.py": ast.parse(source)}) == ["x.py:6", "x.py:7", "x.py:9", "x.py:10", "x.py:11"]


@pytest.mark.django_db
def test_an_export_requested_by_a_german_speaker_has_its_headers_made_in_german(settings, tmp_path, run_on_commit):
    """The export is built by a task, away from the request (which here is in English); its headers, KPI names
    and column labels are asked of gettext while the requester's language, German, is active. Checked at the
    moment each text is made, so this does not depend on what the catalogue has translated yet."""
    from accounts.tests.factories import UserFactory
    from analytics import kpis, services
    from analytics.exports import csv_writer
    from analytics.models import ExportStatus
    from analytics.report import Filters

    from .stores import local_store

    local_store(settings, "exports", tmp_path)
    trainer = UserFactory(role="trainer", preferred_language="de")
    asked: dict[str, set[str]] = {}

    def spying(gettext):
        def spy(message):
            asked.setdefault(message, set()).add(translation.get_language())
            return gettext(message)

        return spy

    with (
        translation.override("en"),
        mock.patch.object(csv_writer, "_", spying(csv_writer._)),
        mock.patch.object(kpis, "_", spying(kpis._)),
    ):
        job = run_on_commit(
            services.request_export,
            user=trainer,
            filters=Filters(start=date(2026, 1, 1), end=date(2026, 12, 31)),
            format="csv",
        )
        assert translation.get_language() == "en"  # the request's language is left as it was
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    # The CSV's own headers, and the report's KPI names and table columns that become its other headers.
    for header in ("KPI", "Value", "Definition", "Completion rate", "Course", "Trainer effectiveness"):
        assert asked.get(header) == {"de"}, header


@pytest.mark.django_db
def test_the_weekly_summary_names_its_figures_in_each_admins_language(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    """One beat sends every admin the same figures; each one's KPI names are made in their own language."""
    from accounts.tests.factories import UserFactory
    from analytics import kpis, tasks

    settings.ANALYTICS_WEEKLY_SUMMARY = True
    UserFactory(role="admin", preferred_language="de")
    UserFactory(role="admin", preferred_language="en")
    asked: dict[str, set[str]] = {}
    gettext = kpis._

    def spy(message):
        asked.setdefault(message, set()).add(translation.get_language())
        return gettext(message)

    with mock.patch.object(kpis, "_", spy), django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_summary("2026-11-23") == 2
    assert len(mailoutbox) == 2
    assert asked["Completion rate"] == {"de", "en"}
