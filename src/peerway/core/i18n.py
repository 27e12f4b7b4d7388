"""Languages Peerway serves that Django does not ship."""

from django.conf import locale

# Django ships neither Somali nor Hmong; LocaleMiddleware and the language switcher need their info.
EXTRA_LANG_INFO = {
    "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
    "hmn": {"bidi": False, "code": "hmn", "name": "Hmong", "name_local": "Hmoob"},
}


def register_extra_languages() -> None:
    for code, info in EXTRA_LANG_INFO.items():
        locale.LANG_INFO.setdefault(code, info)
