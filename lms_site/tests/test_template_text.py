"""Every piece of text a template shows or reads out goes through translation: a template whose visible text is
outside `{% translate %}` / `{% blocktranslate %}` fails here, with the file and the text to wrap.

What counts as visible: element text, the attributes people see or hear (title, alt, placeholder, aria-label,
aria-description), and the whole of a plain-text e-mail. Variables, tags, comments, scripts and styles are not
text. Brand names, symbols and machine formats (a CSV example) are allowed below.
"""

import re
from pathlib import Path

from django.conf import settings

# Words that are the same in every language (the brand), HTML character references (&larr; &copy;) and the
# parameter names of a link's query string (?start=…&end=…).
SAME_IN_EVERY_LANGUAGE = re.compile(r"\bLearnwell\b|&#?\w+;|[?&]\w+=")
# Text that must not be translated where it stands: machine formats people copy.
ALLOWED_IN_FILE = {
    "organisations/manager/import.html": {
        "email,first_name,last_name,role,group",
        "ada@example.com,Ada,Lovelace,member,Engineering",
        "grace@example.com,Grace,Hopper,manager,",
    },
}
SPOKEN_ATTRIBUTES = re.compile(r'\b(?:title|alt|placeholder|aria-label|aria-description)="([^"]*)"')
REMOVED = [
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
]
WORD = re.compile(r"[^\W\d_]{2,}")


def untranslated(source: str, *, plain_text: bool) -> list[str]:
    for pattern in REMOVED:
        source = pattern.sub(" ", source)
    pieces = [] if plain_text else SPOKEN_ATTRIBUTES.findall(source)
    if not plain_text:
        source = re.sub(r"<[^>]*>", "\n", source, flags=re.S)
    pieces += re.split(r"\n|\s{2,}", source)
    return [piece.strip() for piece in pieces if WORD.search(SAME_IN_EVERY_LANGUAGE.sub(" ", piece))]


# Files for machines, not people.
NOT_FOR_PEOPLE = {"robots.txt"}


def project_templates() -> list[Path]:
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(
        path for path in root.rglob("*") if path.suffix in (".html", ".txt") and path.name not in NOT_FOR_PEOPLE
    )


def test_every_visible_template_text_is_translatable():
    root = Path(settings.BASE_DIR) / "templates"
    found = []
    for path in project_templates():
        name = path.relative_to(root).as_posix()
        allowed = ALLOWED_IN_FILE.get(name, set())
        for text in untranslated(path.read_text(encoding="utf-8"), plain_text=path.suffix == ".txt"):
            if text not in allowed:
                found.append(f"{name}: {text[:80]!r}")
    assert not found, "Text outside {% translate %} / {% blocktranslate %}:\n" + "\n".join(found)


def test_the_check_finds_text_and_ignores_what_is_translated():
    html = (
        '<p title="Hover me">Hello</p>{% translate "Fine" %}<span aria-label="{{ label }}">{{ name }}</span>'
        "{% blocktranslate with n=count %}You have {{ n }} points{% endblocktranslate %}{# a note #}"
        "<script>var text = 'not text';</script>Learnwell"
    )
    assert untranslated(html, plain_text=False) == ["Hover me", "Hello"]
    assert untranslated("Hello {{ name }},\n{% translate 'Thanks' %}", plain_text=True) == ["Hello"]
