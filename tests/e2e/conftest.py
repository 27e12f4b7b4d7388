"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Playwright's own browser download is not available everywhere Peerway is tested, so the browser is the
system Chromium at /usr/bin/chromium (or $CHROMIUM). Every test module here sets ``pytestmark =
pytest.mark.e2e``; ``make test-e2e`` runs them, the other test runs leave them out.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls from that
# thread unless told that it is safe. It is: the loop belongs to Playwright, not to Django.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    # Containers and CI runners often lack the user namespaces Chromium's sandbox needs.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"  # the password tests.factories.UserFactory sets
LANGUAGES = ["en", "es", "so", "hmn"]
WIDTHS = [360, 1280]
SERIOUS = {"serious", "critical"}
AXE_REPORT = Path(settings.VAR_DIR) / "e2e" / "axe-report.json"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the .po catalogs that are newer than their .mo, as `make messages` does, with its compiler
    (scripts/compile_messages.py keeps the Plural-Forms Babel drops for Hmong).

    Without this, running pytest directly after editing a translation would test the old catalog.
    """
    script = Path(__file__).resolve().parents[2] / "scripts" / "compile_messages.py"
    spec = importlib.util.spec_from_file_location("peerway_compile_messages", script)
    assert spec is not None and spec.loader is not None
    compiler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compiler)
    for po_path in Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        compiler.compile_catalog(po_path, mo_path)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Forget allauth's sign-in rate limits (kept in the cache, which no database flush clears) between tests."""
    cache.clear()
    yield
    cache.clear()


def page_url(base: str, language: str, path: str = "") -> str:
    """The URL of ``path`` in ``language``: English has no prefix, the others /es/, /so/, /hmn/."""
    prefix = "/" if language == "en" else f"/{language}/"
    return f"{base}{prefix}{path.lstrip('/')}"


@dataclass
class AxeReport:
    """Every axe run of the session, written to var/e2e/axe-report.json for people to read."""

    runs: list[dict[str, Any]] = field(default_factory=list)

    def add(self, label: str, url: str, width: int, violations: list[dict[str, Any]]) -> None:
        self.runs.append(
            {
                "page": label,
                "url": url,
                "width": width,
                "violations": len(violations),
                "serious_or_critical": sum(1 for v in violations if v.get("impact") in SERIOUS),
                "by_rule": {v["id"]: v.get("impact") for v in violations},
            }
        )


@pytest.fixture(scope="session")
def axe_report() -> Iterator[AxeReport]:
    report = AxeReport()
    yield report
    AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
    AXE_REPORT.write_text(json.dumps(report.runs, indent=2))


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])][:5]
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation.get('help')} at {targets}")
    return "\n".join(lines)


@pytest.fixture
def check_axe(axe_report: AxeReport) -> Callable[[Page, str], list[dict[str, Any]]]:
    """Run axe-core on the page as it is now; fail on any serious or critical violation.

    Playwright's ``evaluate`` goes through the DevTools protocol, which the page's Content-Security-Policy
    does not govern, so axe is injected without loosening the policy.
    """
    axe = Axe()

    def run(page: Page, label: str) -> list[dict[str, Any]]:
        violations: list[dict[str, Any]] = axe.run(page).response["violations"]
        axe_report.add(label, page.url, page.viewport_size["width"] if page.viewport_size else 0, violations)
        serious = [v for v in violations if v.get("impact") in SERIOUS]
        assert not serious, f"axe found serious or critical problems on {page.url}:\n{describe(serious)}"
        return violations

    return run


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Console messages in which the browser reports something the Content-Security-Policy blocked."""
    messages: list[str] = []
    page.on(
        "console",
        lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return messages


@pytest.fixture
def no_js_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    """A page in a browser context with JavaScript turned off."""
    context: BrowserContext = browser.new_context(**browser_context_args, java_script_enabled=False)
    yield context.new_page()
    context.close()


def sign_in(
    page: Page, base: str, username: str, *, language: str = "en", password: str = PASSWORD, lands_on: str = "staff/"
) -> None:
    """Sign in through the real sign-in form, as a person would, and wait for the page it leads to.

    ``lands_on`` is the path (after the language prefix) the form should lead to: the staff home by default,
    the two-factor step for a user with an authenticator, or the sign-in page again when sign-in fails.
    """
    page.goto(page_url(base, language, "accounts/login/"))
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(page_url(base, language, lands_on))
