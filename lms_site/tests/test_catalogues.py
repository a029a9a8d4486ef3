"""The translation catalogues (locale/, docs/adr/0037): complete and compiled. That they hold every string of the
code is checked by .ci/run (`make messages` must change nothing).
"""

from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ["django", "djangojs"]


def catalogue(language: str, domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language, domain):
    po = catalogue(language, domain)
    missing = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags and not entry.obsolete]
    assert not missing, f"{len(missing)} untranslated in {language}/{domain}.po, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (guessed, unchecked) in {language}/{domain}.po, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_source(language, domain):
    # The .mo files are committed so that `make run` needs no gettext; they must say what the .po says.
    po = catalogue(language, domain)
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.mo"))

    def key(entry):
        return (entry.msgctxt, entry.msgid)

    def text(entry):
        if entry.msgid_plural:
            return tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
        return entry.msgstr

    compiled = {key(entry): text(entry) for entry in mo if entry.msgid}
    source = {key(entry): text(entry) for entry in po if entry.translated() and not entry.obsolete}
    assert compiled == source, "locale/ changed without `make messages` (it compiles the .mo files)"
