"""Compiling the ``.po`` catalogs to ``.mo`` files, which an installed wheel reads (setup.py runs this at build time).

It needs Babel alone: the build imports it before civicast's other dependencies are installed.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalog(po: Path, mo: Path) -> None:
    """Write ``mo`` from ``po`` with what ``load_po`` counts as translated: no fuzzy entry, and no plural entry with a
    form missing (Babel would fill that form with the English source)."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    for message in list(catalog):
        if message.id and message.pluralizable and isinstance(message.string, tuple | list) and not all(message.string):
            catalog.delete(message.id, context=message.context)
    with mo.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)


def compile_catalogs(locales_dir: Path) -> list[Path]:
    """A ``.mo`` beside every ``<language>/LC_MESSAGES/<domain>.po`` under ``locales_dir``; the files written."""
    written = []
    for po in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        compile_catalog(po, mo)
        written.append(mo)
    return written
