"""Translations of the web UI (Flask-Babel), with typed helpers for Python code.

Every string a person reads goes through ``_()`` (templates use the same name): English
is the source language; catalogues for other languages go into ``hub/ui/translations``
(``pybabel extract -F hub/ui/babel.cfg -k lazy -o messages.pot hub/ui``). The language is the best
match of the browser's Accept-Language among the catalogues present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel, get_babel, get_translations, gettext, lazy_gettext

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DEFAULT_LOCALE = "en"


def _(text: str, **values: Any) -> str:
    """``text`` translated into the request's language, ``%(name)s`` filled from ``values``."""
    return str(gettext(text, **values))


def lazy(text: str) -> Any:
    """A translation made when shown (for module-level labels); extract with
    ``-k lazy`` (hub/ui/babel.cfg says how)."""
    return lazy_gettext(text)


def languages() -> list[str]:
    """The languages with a catalogue in the configured folders, English first."""
    found: set[str] = set()
    for folder in map(Path, get_babel().translation_directories):
        if folder.is_dir():
            found.update(p.name for p in folder.iterdir() if (p / "LC_MESSAGES").is_dir())
    return [DEFAULT_LOCALE, *sorted(found - {DEFAULT_LOCALE})]


def _locale() -> str | None:
    return request.accept_languages.best_match(languages()) or DEFAULT_LOCALE


def init_i18n(app: Flask) -> None:
    """Install Flask-Babel with the UI's catalogues on ``app``."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=_locale)


def catalogue_loaded() -> bool:
    """Whether a translation catalogue (not just the English source) is in use."""
    return type(get_translations()).__name__ != "NullTranslations"
