"""What the page needs translated: every ``_("...")`` in the templates, scripts and pages
(found by Babel's extractors) and every label of the quantity catalogue. The catalogue
test and ``meterhub web messages`` (which refreshes messages.pot and each .po) read it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from ..core.quantities import DERIVED, QUANTITIES
from .i18n import LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, catalogue_path

HERE = Path(__file__).parent
TEMPLATE = LOCALE_DIR / "messages.pot"
# (method, files): Babel's extractor per kind of source; vendored scripts carry no _().
SOURCES = (
    ("jinja2", sorted((HERE / "templates").glob("*.html"))),
    ("javascript", sorted((HERE / "static").glob("*.js"))),
    ("python", [HERE / "pages.py"]),
)
KEYWORDS = {"_": None}


def wanted() -> dict[str, list[str]]:
    """msgid → where it is used (file:line, or the quantity it labels)."""
    found: dict[str, list[str]] = {}
    for method, files in SOURCES:
        for path in files:
            for line, message, _comments, _context in extract_from_file(
                method, path, keywords=KEYWORDS, comment_tags=(), options={}
            ):
                if isinstance(message, str) and message:
                    found.setdefault(message, []).append(f"{path.relative_to(HERE)}:{line}")
    for quantity in (*QUANTITIES.values(), *DERIVED.values()):
        found.setdefault(quantity.label, []).append(f"quantity {quantity.key}")
    return found


def template() -> Catalog:
    catalogue = Catalog(project="Meterhub", locale=None, fuzzy=False)
    for msgid, places in sorted(wanted().items()):
        catalogue.add(msgid, locations=[(place, None) for place in places])
    return catalogue


def refresh() -> list[Path]:
    """messages.pot from the sources; each language's .po updated from it (new messages
    untranslated, gone ones dropped), sorted so a diff shows only what changed."""
    fresh = template()
    written = [TEMPLATE]
    with TEMPLATE.open("wb") as file:
        write_po(file, fresh, omit_header=True, sort_output=True)
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        path = catalogue_path(language)
        with path.open("rb") as file:
            catalogue = read_po(file, locale=language)
        catalogue.update(fresh, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
        with path.open("wb") as file:
            write_po(file, catalogue, sort_output=True, width=100)
        written.append(path)
    return written
