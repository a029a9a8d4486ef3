"""Reading a CSV file of people to invite (the manager's import), with nothing written: each row and its
errors, for a preview the manager reads before confirming. Pure: what it needs from the database (who is a
member, who has an open invitation, which groups exist) is passed in, so it is tested without one.

Columns: email, first_name, last_name, role, group (a header row names them, in any order and case; only
email is required). UTF-8, with or without the byte-order mark Excel writes; commas, semicolons or tabs.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import MemberRole

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
COLUMNS = ("email", "first_name", "last_name", "role", "group")
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 150
GROUP_MAX_LENGTH = 120


class CsvFileError(ValueError):
    """The file as a whole cannot be read (too big, not UTF-8, no header...); the message says what to fix."""


@dataclass
class ImportRow:
    """One person of the file. `line` is the line in the file (the header is line 1)."""

    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    role: str = MemberRole.MEMBER
    group: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_list(self) -> list:
        """The row's values, as the signed payload carries them from the preview to the confirmation."""
        return [self.line, self.email, self.first_name, self.last_name, self.role, self.group]

    @classmethod
    def from_list(cls, values: list) -> "ImportRow":
        line, email, first_name, last_name, role, group = values
        return cls(line=line, email=email, first_name=first_name, last_name=last_name, role=role, group=group)


def read(data: bytes) -> list[ImportRow]:
    """The rows of an uploaded file, checked only for what the file itself says (see `check` for the rest)."""
    if len(data) > MAX_BYTES:
        raise CsvFileError(
            _("The file is larger than %(size)d MB. Split it into smaller files.") % {"size": MAX_BYTES // 1_000_000}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")) from None
    if "\x00" in text:
        raise CsvFileError(_("The file is not a CSV text file."))
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvFileError(_("The file is empty. Its first line names the columns: %(columns)s.") % _columns())
    delimiter = max(",;\t", key=lines[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in next(reader)]
        for alias, name in (("e_mail", "email"), ("groups", "group")):
            if name not in header and alias in header:
                header[header.index(alias)] = name
        if "email" not in header:
            raise CsvFileError(_("The first line must name the columns, “email” among them: %(columns)s.") % _columns())
        positions = {name: header.index(name) for name in COLUMNS if name in header}
        rows: list[ImportRow] = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # a blank line, as spreadsheets leave at the end
            if len(rows) == MAX_ROWS:
                raise CsvFileError(
                    _("The file has more than %(rows)d people. Split it into smaller files.") % {"rows": MAX_ROWS}
                )

            def value(name, values=values):
                position = positions.get(name)
                return values[position].strip() if position is not None and position < len(values) else ""

            rows.append(
                ImportRow(
                    line=reader.line_num,
                    email=value("email"),
                    first_name=value("first_name"),
                    last_name=value("last_name"),
                    role=value("role").lower() or MemberRole.MEMBER,
                    group=" ".join(value("group").split()),
                )
            )
    except csv.Error as error:
        raise CsvFileError(_("The file could not be read as CSV (%(error)s).") % {"error": error}) from None
    if not rows:
        raise CsvFileError(_("The file names its columns but lists nobody."))
    return rows


def _columns() -> dict[str, str]:
    return {"columns": ", ".join(COLUMNS)}


def check(
    rows: list[ImportRow],
    *,
    member_emails: set[str],
    invited_emails: set[str],
    group_names: set[str],
) -> list[ImportRow]:
    """Fills each row's errors (any error refuses the whole import) and notes (what the import will do).
    The sets hold lower-cased addresses and case-folded group names of the organisation now."""
    first_line: dict[str, int] = {}
    roles = {role.value: role for role in MemberRole}
    for row in rows:
        row.errors, row.notes = [], []
        if not row.email:
            row.errors.append(_("The e-mail address is missing."))
        else:
            try:
                if len(row.email) > EMAIL_MAX_LENGTH:
                    raise ValidationError("too long")
                validate_email(row.email)
            except ValidationError:
                row.errors.append(_("“%(email)s” is not a valid e-mail address.") % {"email": row.email[:100]})
            else:
                folded = row.email.lower()
                if folded in first_line:
                    row.errors.append(
                        _("This address is also on line %(line)d of the file.") % {"line": first_line[folded]}
                    )
                else:
                    first_line[folded] = row.line
                if folded in member_emails:
                    row.errors.append(_("This person is already a member."))
                elif folded in invited_emails:
                    row.notes.append(_("Their open invitation will be replaced by this one."))
        if row.role not in roles:
            row.errors.append(
                _("Unknown role “%(role)s”: write “manager”, “member” or nothing (member).") % {"role": row.role[:50]}
            )
        if len(row.first_name) > NAME_MAX_LENGTH or len(row.last_name) > NAME_MAX_LENGTH:
            row.errors.append(_("A name is longer than %(n)d characters.") % {"n": NAME_MAX_LENGTH})
        if len(row.group) > GROUP_MAX_LENGTH:
            row.errors.append(_("The group's name is longer than %(n)d characters.") % {"n": GROUP_MAX_LENGTH})
        elif row.group and row.group.casefold() not in group_names:
            row.notes.append(_("The group “%(group)s” will be created.") % {"group": row.group})
    return rows


def has_errors(rows: list[ImportRow]) -> bool:
    return any(row.errors for row in rows)
