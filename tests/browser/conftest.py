"""Playwright against pytest-django's live server, in Debian's Chromium (no browser download)."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from accounts import mfa
from tests.browser.pages import axe_problems, layout_problems
from tests.mfa import fresh_code, totp_device

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test body are still
# synchronous and safe here (dependencies.md, trap 11).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
# Every screenshot is taken on every run, into a temporary folder, so that running the suite leaves the
# checkout as it was; the README's gallery (`docs/screenshots/`) is taken from the demo world by
# tests/browser/test_portal_pages.py and refreshed on request (`make screenshots`).
SCREENSHOTS = Path(tempfile.gettempdir()) / "incident-desk-screenshots"
GALLERY = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else SCREENSHOTS / "gallery"
)


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: `apt-get install -y chromium` runs the browser journeys"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def eager_tasks(monkeypatch):
    """After-commit tasks (bans, e-mails) run at once in the server thread, as a worker would within seconds."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


class Person:
    """One person at their own browser: a context with its own cookies, and every request it made."""

    def __init__(
        self, browser, live_server, user, password, *, screenshots=True, second_factor=True, width=1366
    ):
        self.screenshots = screenshots
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.base = live_server.url
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        # A CSP violation or a script error shows in the console: a journey must end without any.
        self.console_errors: list[str] = []
        self.audit_findings: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        if second_factor and mfa.mfa_required_for(user):
            totp_device(user)  # staff have enrolled their authenticator app (SEC-10)
        self.page.goto(f"{self.base}/login/")
        self.page.fill("#id_username", user.email)
        self.page.fill("#id_password", password)
        self.page.click("#login-submit")
        self.page.wait_for_load_state()
        if second_factor and mfa.has_second_factor(user):
            # The verify step, with the code the app shows now.
            self.page.fill("#id_code", fresh_code(totp_device(user)))
            self.page.click("#mfa-verify-submit")
            self.page.wait_for_load_state()

    def _console(self, message):
        # A form sent back with its errors answers 400 on purpose; Chromium logs that as a failed load.
        if message.type == "error" and "status of 400" not in message.text:
            self.console_errors.append(message.text)

    def go(self, path: str):
        self.page.goto(f"{self.base}{path}")
        return self.page

    def audit(self, label: str = "") -> None:
        """axe-core and the layout check on the page as it is now; findings fail the journey at the end."""
        where = f"{label or self.page.url}: "
        self.audit_findings += [
            where + found for found in axe_problems(self.page) + layout_problems(self.page)
        ]

    def shot(self, name: str, *, full_page: bool = True, folder: Path = SCREENSHOTS):
        """Every page worth a screenshot is audited, whether or not the screenshot is kept."""
        self.audit(name)
        if not self.screenshots:
            return
        folder.mkdir(parents=True, exist_ok=True)
        # A full-page shot grows the viewport to the page's height and back, and leaves the page
        # scrolled elsewhere; Chromium then moves back at the next focus change, so a later click
        # whose mousedown moves focus saw its button jump 50 px before mouseup and never fired.
        # Putting the scroll position back keeps the shot from changing what the person does next.
        where = self.page.evaluate("[window.scrollX, window.scrollY]")
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)
        self.page.evaluate("([x, y]) => window.scrollTo(x, y)", where)

    def problems(self) -> list[str]:
        """Requests to another host, console errors (CSP violations, script errors), audit findings."""
        return self.foreign_requests() + self.console_errors + self.audit_findings

    def foreign_requests(self) -> list[str]:
        own = urlparse(self.base).netloc
        return [
            url
            for url in self.requests
            if urlparse(url).scheme not in ("data", "blob") and urlparse(url).netloc != own
        ]


def assert_no_problems(*people: Person) -> None:
    """What went wrong for anyone in the journey, every finding on its own line."""
    found = [problem for someone in people for problem in someone.problems()]
    assert found == [], "\n".join(found)


# A desktop's width and a phone's: every journey that asks for `width` runs at both.
WIDTHS = {"desktop": 1366, "phone": 390}


@pytest.fixture
def width():
    """The window's width in CSS pixels; journeys parametrize it over WIDTHS."""
    return WIDTHS["desktop"]


# A module's mark for journeys that run at both widths (their tests are named after them).
AT_EVERY_WIDTH = pytest.mark.parametrize("width", list(WIDTHS.values()), ids=list(WIDTHS))


@pytest.fixture
def person(browser, live_server, width):
    people = []

    def login(user, password, *, screenshots=True, second_factor=True):
        people.append(
            Person(
                browser,
                live_server,
                user,
                password,
                screenshots=screenshots,
                second_factor=second_factor,
                width=width,
            )
        )
        return people[-1]

    yield login
    for someone in people:
        someone.context.close()
