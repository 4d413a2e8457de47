"""The page's language: which one a request gets, and its catalogue (gettext .po, read by Babel).

Templates write English and call ``_("...")``; the page's scripts call the same ``_`` on
the catalogue embedded in the page (``messages`` in the template context), so server and
browser translate from one file per language: ``locale/<lang>/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the msgids themselves; it has no catalogue of its own
LANGUAGE_COOKIE = "lang"  # set by the header's language switch (app.js)
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, as far as we use it


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _found() -> tuple[str, ...]:
    # Adding a language is adding its catalogue file: no list to keep beside it.
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *found)


LANGUAGES: tuple[str, ...] = _found()


@cache
def messages(language: str) -> dict[str, str]:
    """msgid → translation; untranslated and fuzzy entries are left out (English shows)."""
    if language == SOURCE_LANGUAGE:
        return {}
    with catalogue_path(language).open("rb") as file:
        catalogue = read_po(file, locale=language)
    return {
        str(m.id): str(m.string)
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


@dataclass(frozen=True)
class Translator:
    language: str  # whose catalogue
    source: str  # "cookie", "header" or "default": app.js may still follow navigator.language
    tag: str = ""  # for <html lang>: the browser's own tag (en-GB writes a 24-hour clock)

    @property
    def html_lang(self) -> str:
        return self.tag or self.language

    def gettext(self, msgid: str, /, **values: object) -> str:
        text = messages(self.language).get(msgid, msgid)
        return text.format(**values) if values else text

    @property
    def catalogue(self) -> dict[str, str]:
        return messages(self.language)

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(code, the language's name in itself) for the header's switch."""
        return [(code, native_name(code)) for code in LANGUAGES]


@cache
def native_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _accepted(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if LANGUAGE_TAG.match(tag) and weight > 0:
            ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose(request: Request) -> Translator:
    """The switch's choice (cookie), else the browser's languages, else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return Translator(chosen, "cookie")
    for tag in _accepted(request.headers.get("accept-language", "")):
        base = tag.split("-")[0].lower()
        if base in LANGUAGES:
            return Translator(base, "header", tag)
    return Translator(SOURCE_LANGUAGE, "default")
