"""Dutch first: every catalogue of the project is complete, its placeholders match, and the
compiled .mo files are what the .po files say (`manage.py compile_catalogues`)."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from portal.management.commands.compile_catalogues import catalogues

BASE = Path(settings.BASE_DIR)
DUTCH = [path for path in catalogues(BASE) if path.parts[-3:] == ("nl", "LC_MESSAGES", "django.po")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{[a-z_][a-z0-9_]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def ids(paths):
    return [str(path.relative_to(BASE)) for path in paths]


def test_the_project_and_every_app_have_a_dutch_catalogue():
    found = {path.relative_to(BASE).parts[0] for path in DUTCH}
    assert {"locale", "accounts"} <= found


@pytest.mark.parametrize("path", DUTCH, ids=ids(DUTCH))
def test_every_dutch_entry_is_translated_and_not_fuzzy(path):
    catalogue = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated in {path}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {path}"


@pytest.mark.parametrize("path", DUTCH, ids=ids(DUTCH))
def test_placeholders_survive_translation(path):
    wrong = []
    for entry in polib.pofile(str(path)).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            # Both ways: a missing one loses information, an extra one crashes at render time.
            if placeholders(source) != placeholders(translation):
                wrong.append(f"{source!r} → {translation!r}")
    assert wrong == []


@pytest.mark.parametrize("path", DUTCH, ids=ids(DUTCH))
def test_an_english_catalogue_with_the_same_messages_sits_beside_it(path):
    english = path.parents[2] / "en" / "LC_MESSAGES" / "django.po"
    assert english.exists()
    assert {e.msgid for e in polib.pofile(str(english)) if not e.obsolete} == {
        e.msgid for e in polib.pofile(str(path)) if not e.obsolete
    }


def _messages(catalogue) -> dict:
    """(context, msgid) → translation, for the entries a .mo file carries (translated, not fuzzy)."""
    messages = {}
    for entry in catalogue:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            translation = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
        else:
            translation = entry.msgstr
        if translation and all(translation):
            messages[entry.msgctxt, entry.msgid] = translation
    return messages


@pytest.mark.parametrize("path", DUTCH, ids=ids(DUTCH))
def test_the_compiled_catalogue_is_up_to_date(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `manage.py compile_catalogues`"
    assert _messages(polib.mofile(str(compiled))) == _messages(polib.pofile(str(path))), (
        f"{compiled} is stale: run `manage.py compile_catalogues`"
    )
