"""The page's languages: every message the page can show is in every catalogue with the
same placeholders, and a request gets the language its cookie or browser asks for."""

from __future__ import annotations

import json
import re
import string

import httpx
import pytest
from babel.messages.pofile import read_po

from services.web.i18n import LANGUAGES, SOURCE_LANGUAGE, catalogue_path
from services.web.i18n_extract import TEMPLATE, wanted
from tests.web.conftest import log_in

TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _catalogue(language: str) -> dict[str, tuple[str, bool]]:
    with catalogue_path(language).open("rb") as file:
        return {
            str(m.id): (str(m.string), m.fuzzy)
            for m in read_po(file, locale=language)
            if m.id and isinstance(m.id, str)
        }


def test_the_page_speaks_the_five_languages_the_seeds_write() -> None:
    assert {"en", "id", "nl", "de", "ru"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    catalogue = _catalogue(language)
    problems = []
    for msgid, places in wanted().items():
        found = catalogue.get(msgid)
        if found is None or not found[0] or found[1]:
            problems.append(f"untranslated {msgid!r} ({places[0]})")
        elif _placeholders(found[0]) != _placeholders(msgid):
            problems.append(f"placeholders differ: {msgid!r} -> {found[0]!r}")
    stray = set(catalogue) - set(wanted())
    assert not problems and not stray, (problems, stray)


def test_the_template_catalogue_is_up_to_date_with_the_sources() -> None:
    """`meterhub web messages` was run after the last text change."""
    with TEMPLATE.open("rb") as file:
        in_template = {str(m.id) for m in read_po(file) if m.id}
    assert in_template == set(wanted())


def test_quantity_labels_are_among_the_messages() -> None:
    assert "Prepaid balance" in wanted() and "Cost this month" in wanted()


async def _page(client: httpx.AsyncClient, **headers: str) -> str:
    answer = await client.get("/", headers=headers)
    assert answer.status_code == 200
    return answer.text


async def _script_texts(client: httpx.AsyncClient, page: str) -> dict[str, str]:
    """The catalogue the page loads for its scripts, as the browser gets it."""
    src = re.search(r'<script src="(/i18n/[a-z]+\.js)"></script>', page)
    assert src is not None
    script = await client.get(src.group(1))
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    prefix = "self.MESSAGES = "
    assert script.text.startswith(prefix)
    return json.loads(script.text.removeprefix(prefix).rstrip().removesuffix(";"))


async def test_the_browser_language_chooses_the_page_and_its_script_texts(open_client) -> None:
    page = await _page(open_client, **{"Accept-Language": "fr-FR, de-AT;q=0.8, en;q=0.5"})
    assert '<html lang="de-AT" data-lang-source="header">' in page
    assert ">Übersicht</a>" in page and ">Verlauf</a>" in page
    texts = await _script_texts(open_client, page)
    assert texts["read {age}"] == "gelesen {age}" and texts["Prepaid balance"] == "Prepaid-Guthaben"


async def test_the_switchs_cookie_wins_over_the_browser(open_client) -> None:
    open_client.cookies.set("lang", "ru")
    page = await _page(open_client, **{"Accept-Language": "nl-BE"})
    assert '<html lang="ru" data-lang-source="cookie">' in page and ">Обзор</a>" in page
    assert '<option value="ru" selected>Русский</option>' in page


async def test_an_unknown_or_absent_language_is_english(open_client) -> None:
    for header in ({"Accept-Language": "fr, es;q=0.9, nl;q=0"}, {}):
        page = await _page(open_client, **header)
        assert '<html lang="en" data-lang-source="default">' in page and ">Overview</a>" in page
        assert await _script_texts(open_client, page) == {}
    open_client.cookies.set("lang", "xx")  # not a catalogue: ignored, not an error
    assert 'data-lang-source="default"' in await _page(open_client)
    assert (await open_client.get("/i18n/xx.js")).status_code == 404


async def test_login_errors_are_in_the_browsers_language(client) -> None:
    client.headers["Accept-Language"] = "id-ID"
    answer = await log_in(client, password="not the password")
    assert answer.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in answer.text
