"""The workshop app driven in a real browser, as a facilitator would use it in front of a room.

Starts ``plc-sim app`` on a free port, drives Debian's Chromium through
Playwright (never a downloaded browser), and checks what the room sees and
what the server does: shocks pressed during Play never freeze the page, a
closed tab's work stops, a killed browser's sessions end and the server still
stops at once, rapid clicking raises no front-end error, the presenter view
fits 1280x720 and 1920x1080 without horizontal scrolling (screenshots in
``test-output/``), and axe-core (installed from the npm registry at set-up,
read from disk here) finds no contrast or naming violations. The heaviest
checks are marked ``slow``. Timings are taken on a shared 2-core machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from plc_sim.app.command import APP_TITLE
from plc_sim.app.export import MONTH
from plc_sim.app.frames import PRESET_TITLES
from plc_sim.app.whatif import WHAT_IFS
from simulation.calendar import SCHOOL_MONTHS, START
from simulation.parameters import TICKS_PER_YEAR

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000
SERVER_ERRORS = re.compile(r"Traceback|Error|Exception|Could not load URL", re.I)
IDLE_SHARE = 0.05
"""A server using less than 5% of one core counts as idle."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the app server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)  # polling a port: the only wait here not tied to a page condition
    raise AssertionError(f"the app server did not answer at {url} within {seconds} s")


class Server:
    """``plc-sim app`` on a free port, with its log and the CPU time and memory of its server process (launched;
    :meth:`serving` waits until it answers)."""

    def __init__(self, name: str, *options: str):
        from plc_sim.app.assets import cache_dir, missing, needed_packages

        absent = missing(needed_packages(), cache_dir())
        assert not absent, (f"the app's browser files are missing ({', '.join(absent)}); `make test` installs them, "
                            f"or run `.venv/bin/python -m plc_sim.app.assets`")
        OUTPUT.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = OUTPUT / f"app-server-{name}.log"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "plc_sim.cli", "app", "--port", str(self.port),
                                             *options],
                                            stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def serving(self) -> Server:
        """Wait until the server answers; return it."""
        deadline = time.monotonic() + 120
        while "open http" not in self.log_path.read_text() and self.process.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        with urllib.request.urlopen(self.url, timeout=5) as answer:  # printed only once the server answers
            assert answer.status == 200
        self.solara = int(Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()[0])
        return self

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.solara}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mib(self) -> float:
        for line in Path(f"/proc/{self.solara}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def wait_idle(self, within: float, window: float = 1.0) -> float:
        """Seconds until the server used less than IDLE_SHARE of a core over ``window``; fails after ``within``."""
        start = time.monotonic()
        while time.monotonic() - start < within:
            before = self.cpu_seconds()
            time.sleep(window)
            if (self.cpu_seconds() - before) / window < IDLE_SHARE:
                return time.monotonic() - start
        raise AssertionError(f"the server was still busy {within} s later")

    def errors(self) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if SERVER_ERRORS.search(line)]

    def stop(self) -> float:
        """SIGTERM the server; the seconds it took to exit."""
        start = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - start


DISCONNECT_S = 2
"""The killed-browser test's ``--disconnect-timeout``: the sessions' end is waited for, not the default's 15 s."""
KILLED_BROWSER_TEST = "test_a_killed_browser_frees_the_server_which_then_stops_at_once"


@pytest.fixture(scope="module", autouse=True)
def killed_browser_server(request):
    """The killed-browser test's own server, launched with the module's first test when that test is to run: its
    start (imports, the model warmed) runs beside the shared server's, not after the other tests."""
    if not any(item.name == KILLED_BROWSER_TEST for item in request.session.items):
        yield None
        return
    running = Server("killed-browser", "--disconnect-timeout", str(DISCONNECT_S))
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def server():
    running = Server("main").serving()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def playwright():
    assert shutil.which("chromium"), "Debian's chromium is missing: `make browser` (part of `make test`) installs it"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def open_app(browser, url: str, width: int = 1280, height: int = 720, load_ms: int = 90_000):
    return open_apps(browser, url, 1, width, height, load_ms)[0]


def open_apps(browser, url: str, tabs: int, width: int = 1280, height: int = 720, load_ms: int = 90_000) -> list:
    """``tabs`` pages of the app, asked for together, then each waited for until drawn (not one after another)."""
    pages = [browser.new_page(viewport={"width": width, "height": height}) for _ in range(tabs)]
    for page in pages:
        page.problems = []
        page.on("console", lambda message, page=page: page.problems.append(
            f"console {message.type}: {message.text}") if message.type == "error" else None)
        page.on("pageerror", lambda error, page=page: page.problems.append(f"page error: {error}"))
        page.goto(url, wait_until="commit", timeout=load_ms)
    for page in pages:
        page.wait_for_load_state(timeout=load_ms)
        page.locator(".plc-when").wait_for(timeout=load_ms)
        page.locator(".plc-live svg").first.wait_for(timeout=WAIT_MS)
    return pages


def month(page) -> int:
    """The month the headline shows ("Year 2, March"), counted from 0 at the start of the run."""
    text = page.locator(".plc-when").inner_text()
    found = re.search(r"Year (\d+), (\w+)", text)
    assert found or START in text, text
    return (int(found[1]) - 1) * TICKS_PER_YEAR + SCHOOL_MONTHS.index(found[2]) + 1 if found else 0


MONTH_JS = f"""() => {{
    const el = document.querySelector('.plc-when');
    if (!el) return null;
    const found = /Year (\\d+), (\\w+)/.exec(el.innerText);
    if (found) return (parseInt(found[1]) - 1) * {TICKS_PER_YEAR} + {json.dumps(SCHOOL_MONTHS)}.indexOf(found[2]) + 1;
    return el.innerText.includes({json.dumps(START)}) ? 0 : null;
}}"""
"""The headline's month in the page, as :func:`month` reads it."""


def wait_month(page, condition: str) -> None:
    """Wait until the headline's month satisfies ``condition`` (a JavaScript expression in ``m``)."""
    page.wait_for_function(f"""() => {{
        const m = ({MONTH_JS})();
        return m !== null && ({condition});
    }}""", timeout=WAIT_MS)


def wait_still(page, seconds: float) -> None:
    """Wait until the headline's month has not changed for ``seconds``."""
    page.wait_for_function("""(ms) => {
        const m = document.querySelector('.plc-when').innerText;
        const now = performance.now();
        if (window.plcLast !== m) { window.plcLast = m; window.plcSince = now; return false; }
        return now - window.plcSince >= ms;
    }""", arg=seconds * 1000, polling=100, timeout=WAIT_MS)


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([sel, text]) => [...document.querySelectorAll(sel)]"
                           ".some((el) => el.innerText.includes(text))", arg=[selector, text], timeout=WAIT_MS)


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


SHOCKS = ("principal_leaves", "budget_cut", "turnover_wave", "policy_focus")


def press_shocks_during_play(page, presses: int) -> None:
    """Each shock pressed ``presses`` times during Play: the counter moves on after each, and Pause works."""
    for _ in range(presses):
        for shock in SHOCKS:
            button(page, "Play").click()
            start = month(page)
            wait_month(page, f"m >= {start + 1}")
            page.locator(f".plc-shock-{shock}").click()
            at = month(page)
            wait_month(page, f"m >= {at + 2}")  # still playing after the shock
            button(page, "Pause").click()
            wait_still(page, 0.8)
            paused = month(page)
            page.wait_for_timeout(600)
            assert month(page) == paused, "Pause did not stop the run"
            if paused > 300:
                button(page, "Reset").click()
                wait_month(page, "m === 0")


def test_a_facilitator_session(server, browser):
    page = open_app(browser, server.url, 1920, 1080)
    assert page.title() == "PLC-sim: learning communities in schools"
    assert month(page) == 0 and "Start of the run" in page.locator(".plc-when").inner_text()

    button(page, "Step a month").click()
    wait_month(page, "m === 1")
    button(page, "Step a year").click()
    wait_month(page, "m === 11")
    page.keyboard.press("s")
    wait_month(page, "m === 12")
    page.keyboard.press("Space")
    wait_month(page, "m >= 14")
    page.keyboard.press("Space")
    wait_still(page, 0.8)

    # A second tab gets a run of its own (the run is built per browser session, not per server).
    other = open_app(browser, server.url)
    assert month(other) == 0 and month(page) >= 14
    other.close()

    button(page, "fast").click()  # the months between presses come sooner; the pauses are timed in seconds
    press_shocks_during_play(page, presses=2)
    wait_text(page, ".plc-log", "a budget cut removed")

    # A one-school shock highlights that school.
    page.locator(".plc-shock-target").click()
    page.get_by_role("option", name="School 3", exact=True).click()
    page.locator(".plc-shock-budget_cut").click()
    wait_text(page, ".plc-caption", "School 3, hit by the last shock")

    # A policy from now on, for the school chosen in "Who is hit"; the log says when it began.
    button(page, "Policies").click()
    page.locator(".plc-policy-induction").click()
    wait_text(page, ".plc-running", "Induction and mentoring of newcomers in School 3")
    button(page, "Step a month").click()
    button(page, "What happened").click()
    wait_text(page, ".plc-log", "induction and mentoring of newcomers began in School 3")

    # Handouts: a chart as a PNG at twice its size on screen, and the run as CSV, one click each.
    chart = page.locator(".plc-live-plot").nth(1)
    with page.expect_download() as download:
        page.locator(".plc-save").nth(1).click()
    assert download.value.suggested_filename == "plc-health-baseline.png"
    png = Path(download.value.path()).read_bytes()
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") >= 2 * chart.bounding_box()["width"] - 4
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the run (CSV)").click()
    table = pd.read_csv(download.value.path())
    months = table[table["row"] == MONTH]
    assert list(table.columns[:4]) == ["scenario", "seed", "tick", "when"] and len(months) == month(page) + 1
    # the CSV holds the page's numbers: the headline's mean PLC health, as printed
    headline = next(text for text in page.locator(".plc-stat").all_inner_texts() if text.startswith("mean PLC"))
    assert headline.endswith(f" {months['PLC health (%)'].iloc[-1]:g}%"), headline
    assert months["when"].iloc[-1] == page.locator(".plc-when").inner_text().split("\n")[-1].strip()
    assert (table["row"] == "shock").sum() >= 9 and table["what"].str.contains("a budget cut removed").any()

    # A scenario starts at once; Reset starts again at month 0.
    page.locator(".plc-preset").click()
    page.get_by_role("option", name="The champion principal leaves").click()
    wait_month(page, "m === 0")
    button(page, "Step a month").click()
    wait_month(page, "m === 1")
    button(page, "Reset").click()
    wait_month(page, "m === 0")
    page.close()
    assert not page.problems, "\n".join(page.problems)
    assert not server.errors(), "server log:\n" + "\n".join(server.errors())


@pytest.mark.slow
def test_each_shock_pressed_during_play_twenty_times(server, browser):
    page = open_app(browser, server.url)
    press_shocks_during_play(page, presses=20)
    page.close()
    assert not page.problems, "\n".join(page.problems)


def test_a_closed_tab_stops_its_work(server, browser):
    page = open_app(browser, server.url)
    button(page, "fast").click()
    button(page, "Play").click()
    wait_month(page, "m >= 5")
    page.close()
    idle_after = server.wait_idle(within=2.0, window=0.5)
    print(f"server idle {idle_after:.1f} s after the tab closed")


def test_a_hundred_rapid_clicks_give_no_front_end_error(server, browser):
    page = open_app(browser, server.url)
    button(page, "Play").click()
    targets = [f".plc-shock-{shock}" for shock in SHOCKS] + [".plc-reset"]
    for k in range(100):
        # forced: real clicks where the control is, without waiting for it to hold still between them
        page.locator(targets[k % len(targets)]).click(delay=0, no_wait_after=True, force=True)
    button(page, "Pause").click()
    wait_still(page, 0.8)
    page.wait_for_timeout(1000)
    page.close()
    assert not page.problems, "\n".join(page.problems)


def no_horizontal_scroll_and_story_above_the_fold(page, height: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for selector in (".plc-when", ".plc-play", ".plc-shock-budget_cut", ".plc-live-plot svg"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] + box["height"] <= height, f"{selector} is below the fold"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_screenshots_fit_the_projector(server, browser, width, height):
    page = open_app(browser, server.url, width, height)
    button(page, "Step a year").click()
    wait_month(page, "m === 10")
    page.locator(".plc-shock-principal_leaves").click()
    button(page, "Step a year").click()
    wait_month(page, "m === 20")
    page.wait_for_timeout(800)
    no_horizontal_scroll_and_story_above_the_fold(page, height)
    page.screenshot(path=str(OUTPUT / f"app-presenter-{width}x{height}.png"))

    # the README's compare step: the champion scenario, one change, eight years
    page.locator(".plc-preset").click()
    page.get_by_role("option", name=PRESET_TITLES["champion-leaves"], exact=True).click()
    wait_month(page, "m === 0")
    page.locator(".plc-compare").click()
    page.get_by_role("option", name=WHAT_IFS["shared-leadership"].menu(), exact=True).click()
    wait_text(page, ".plc-stat", "communities healthy, mean PLC health")
    for year in range(1, 9):
        button(page, "Step a year").click()
        wait_month(page, f"m === {year * TICKS_PER_YEAR}")
    wait_text(page, ".plc-sentence", "Since the principals left (year 6, June)")
    wait_text(page, ".plc-sentence", "Since then the gap in mean PLC health moved")
    assert page.locator(".plc-log").count() == 2  # what happened in each run
    wait_text(page, ".plc-log-run h3", "B: with leadership shared widely")
    page.wait_for_timeout(800)
    no_horizontal_scroll_and_story_above_the_fold(page, height)
    page.screenshot(path=str(OUTPUT / f"app-compare-{width}x{height}.png"))

    button(page, "Each school").click()
    page.locator("table.plc-schools").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(OUTPUT / f"app-details-{width}x{height}.png"))

    button(page, "Policies").click()
    page.locator(".plc-policy-succession_planning").click()
    wait_text(page, ".plc-running", "Succession planning in all 20 schools")
    page.locator(".plc-running").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(OUTPUT / f"app-policies-{width}x{height}.png"))
    page.close()
    assert not page.problems, "\n".join(page.problems)


SMALL_TEXT_JS = """() => {
    const found = [];
    for (const el of document.querySelectorAll('body *')) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const box = el.getBoundingClientRect();
        if (!own || !box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < 16) found.push(size + 'px: ' + el.textContent.trim().slice(0, 40));
    }
    for (const text of document.querySelectorAll('svg text')) {
        const size = parseFloat(text.getAttribute('font-size') || getComputedStyle(text).fontSize);
        if (text.textContent.trim() && size < 16) found.push(size + 'px (chart): ' + text.textContent.slice(0, 40));
    }
    return found;
}"""
"""Visible text under 16 px on the page, in HTML and in the charts."""


def test_the_presenter_view_speaks_plainly_in_large_type_with_its_words_explained(server, browser):
    page = open_app(browser, server.url)
    assert page.title() == "PLC-sim: learning communities in schools"
    button(page, "Step a year").click()
    wait_month(page, "m === 10")
    page.wait_for_timeout(500)
    assert page.evaluate(SMALL_TEXT_JS) == []
    legend = page.locator(".plc-map-legend").bounding_box()
    assert legend and legend["y"] + legend["height"] <= 720, "the map's legend is below the fold"
    page.locator(".plc-live-plot svg text", has_text="a community forms at a yearly mean of").first.wait_for()
    page.locator(".plc-stat summary", has_text="healthy").click()
    body = page.locator(".plc-stat .plc-term-body").first
    body.wait_for(state="visible", timeout=WAIT_MS)
    assert "decays" in body.inner_text()
    box = body.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    page.keyboard.press("s")  # a popover open does not take the keys
    wait_month(page, "m === 11")
    page.close()
    assert not page.problems, "\n".join(page.problems)


OVERFLOW_JS = """() => [...document.querySelectorAll('body *')].filter((el) => {
    if (el.closest('details:not([open])') && el.closest('.plc-term-body')) return false;  // a closed popover
    if (el.closest('.v-progress-linear')) return false;  // a loading bar's stripe, clipped by its bar
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > window.innerWidth + 1 || box.left < -1) && !el.closest('.plc-hidden');
}).slice(0, 5).map((el) => `${el.tagName}.${el.getAttribute('class')} ${el.getBoundingClientRect().right}`)"""
"""Elements that stick out of the window sideways (and would be cut off or scrolled to)."""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_the_page_fits_the_screen_zooms_and_is_the_apps_own(server, browser, width, height):
    with urllib.request.urlopen(server.url, timeout=30) as response:  # the first bytes: title and no branding
        first = response.read().decode()
    assert f"<title>{APP_TITLE}</title>" in first and "Solara \u2600" not in first
    assert "This website runs on" not in first and "Made with" not in first
    page = open_app(browser, server.url, width, height)
    button(page, "Step a year").click()
    wait_month(page, "m === 10")
    page.wait_for_timeout(500)
    assert page.title() == APP_TITLE
    viewport = page.evaluate("document.querySelector('meta[name=viewport]').content")
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport, viewport
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(OVERFLOW_JS) == []
    assert "Solara" not in page.locator("body").inner_text()
    if width < 500:
        assert page.evaluate(SMALL_TEXT_JS) == []
    page.close()
    assert not page.problems, "\n".join(page.problems)


def slider(page, label: str):
    """The slider whose label starts with ``label``."""
    return page.locator(".v-slider", has=page.locator("label", has_text=label)).first


def test_sliders_are_full_width_logged_marked_and_keys_work_after_any_control(server, browser):
    page = open_app(browser, server.url)
    button(page, "Settings").click()
    page.wait_for_function("document.querySelectorAll('.v-slider .v-slider-track').length >= 10", timeout=WAIT_MS)
    tracks = page.evaluate("""() => [...document.querySelectorAll('.v-slider')].map((el) => [
        el.querySelector('label').innerText, el.querySelector('.v-slider-track').getBoundingClientRect().width])""")
    assert len(tracks) >= 10 and all(width >= 150 for _, width in tracks), tracks
    labels = [label for label, _ in tracks]
    assert any(label.endswith(": 20 schools") for label in labels) and any("60%" in label for label in labels)

    # a live slider moved by the mouse: the value is logged and marked on the chart, and the keys still work
    meeting = slider(page, "Meeting time - from now on")
    meeting.scroll_into_view_if_needed()
    track = meeting.locator(".v-slider-track").bounding_box()
    page.mouse.click(track["x"] + track["width"] * 0.9, track["y"] + track["height"] / 2)  # as a hand would
    wait_text(page, ".v-slider label", "Meeting time - from now on: 90%")
    page.keyboard.press("s")
    wait_month(page, "m === 1")
    page.get_by_role("checkbox", name="Include support staff - at Reset").click()
    page.keyboard.press("s")
    wait_month(page, "m === 2")
    page.locator(".plc-shock-target").click()
    page.get_by_role("option", name="School 2", exact=True).click()
    page.keyboard.press("Space")
    button(page, "Pause").wait_for(timeout=WAIT_MS)
    page.keyboard.press("Space")
    button(page, "Play").wait_for(timeout=WAIT_MS)
    page.locator(".plc-live-plot svg text", has_text="Meeting time 90%").first.wait_for(timeout=WAIT_MS)
    button(page, "What happened").click()
    wait_text(page, ".plc-log", "Start of the run: meeting time set to 90% from now on (was 60%)")
    page.close()
    assert not page.problems, "\n".join(page.problems)


def test_no_contrast_or_naming_violations(server, browser):
    from plc_sim.app.assets import AXE, cache_dir
    from plc_sim.app.page import DETAILS

    page = open_app(browser, server.url)
    button(page, "Step a year").click()
    wait_month(page, "m === 10")
    violations = []
    for tab in DETAILS:
        button(page, tab).click()
        page.wait_for_timeout(500)
        page.add_script_tag(path=str(cache_dir() / AXE / "axe.min.js"))
        found = page.evaluate("""async () => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}});
            return result.violations.map((v) => v.id + ': ' + v.nodes.slice(0, 3).map((n) => n.target).join(' | '));
        }""")
        violations += [f"{tab}: {line}" for line in found]
    page.close()
    assert not violations, "\n".join(violations)


def test_a_reload_keeps_the_tabs_run(server, browser):
    page = open_app(browser, server.url)
    button(page, "Step a year").click()
    wait_month(page, "m === 10")
    page.locator(".plc-shock-turnover_wave").click()
    button(page, "Step a month").click()
    wait_month(page, "m === 11")
    assert "run=" in page.url
    page.wait_for_timeout(1000)  # the log's update may reach the browser just after the headline's
    log = page.locator(".plc-log").inner_text()
    page.reload()
    page.locator(".plc-live svg").first.wait_for(timeout=WAIT_MS)
    wait_month(page, "m === 11")
    page.wait_for_timeout(1000)
    assert page.locator(".plc-log").inner_text() == log  # the same run, bit for bit, shock included
    page.close()
    assert not page.problems, "\n".join(page.problems)


def launch_killable_chromium() -> tuple[subprocess.Popen, int]:
    """Debian's Chromium in a process group of its own, driven over its debugging port."""
    port = free_port()
    profile = OUTPUT / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    process = subprocess.Popen([shutil.which("chromium"), *CHROMIUM_ARGS, f"--remote-debugging-port={port}",
                                f"--user-data-dir={profile}", "about:blank"], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_http(f"http://127.0.0.1:{port}/json/version", process, seconds=60)
    return process, port


def test_a_killed_browser_frees_the_server_which_then_stops_at_once(playwright, killed_browser_server):
    running = killed_browser_server.serving()
    chromium, port = launch_killable_chromium()
    try:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        pages = open_apps(browser, running.url, 5)
        for page in pages:
            button(page, "fast").click()
            button(page, "Play").click()
        for page in pages:
            wait_month(page, "m >= 3")
        os.killpg(chromium.pid, signal.SIGKILL)  # the lid closes: no goodbye from any tab
        chromium.wait()
        idle = running.wait_idle(within=60)
    finally:
        if chromium.poll() is None:
            os.killpg(chromium.pid, signal.SIGKILL)
    stopped = running.stop()
    print(f"server idle {idle:.0f} s after the browser died; stopped {stopped:.1f} s after SIGTERM")
    assert stopped < 5
    assert running.process.returncode is not None


ELEVENTH_TAB_S = 5.0
"""The issue's bar: an 11th tab appears (its chart drawn) within 5 s while ten tabs play."""


@pytest.mark.slow  # about 70 s on a shared 2-core machine: the server's start, ten tabs, three openings
def test_an_eleventh_tab_appears_within_five_seconds_while_ten_play(browser):
    running = Server("eleventh-tab").serving()
    try:
        pages = [browser.new_page(viewport={"width": 1280, "height": 720}) for _ in range(10)]
        for page in pages:  # the ten open together (one by one would take a minute)
            page.goto(running.url, wait_until="commit", timeout=90_000)
        for page in pages:
            page.locator(".plc-live svg").first.wait_for(timeout=90_000)
            button(page, "Play").click()
        for page in pages:
            wait_month(page, "m >= 2")
        seconds = []
        for _ in range(3):  # the median of three openings: one slow moment of a shared machine is not the app's
            started = time.monotonic()
            fresh = open_app(browser, running.url)
            seconds.append(time.monotonic() - started)
            fresh.close()
            wait_month(pages[0], f"m >= {month(pages[0]) + 2}")  # the ten play again once the tab is drawn
        median = sorted(seconds)[1]
        print(f"an 11th tab while 10 play: {', '.join(f'{s:.1f}' for s in seconds)} s (load {os.getloadavg()[0]:.1f})")
        assert median <= ELEVENTH_TAB_S, f"an 11th tab took {seconds} s"
        assert not running.errors()
        for page in pages:
            page.close()
    finally:
        running.stop()


@pytest.mark.slow
@pytest.mark.timeout(1800)  # opening 30 tabs one by one on a shared 2-core machine takes minutes
def test_thirty_playing_tabs_leave_a_fresh_tab_usable_and_memory_returns(browser):
    running = Server("thirty-tabs").serving()
    try:
        warm = open_app(browser, running.url)
        warm.close()
        running.wait_idle(within=30)
        start_mib = running.memory_mib()
        pages = []
        for _ in range(30):
            page = open_app(browser, running.url)
            button(page, "Play").click()
            pages.append(page)
        started = time.monotonic()
        fresh = open_app(browser, running.url)
        render_s = time.monotonic() - started
        button(fresh, "Step a month").click()
        wait_month(fresh, "m === 1")
        step_s = time.monotonic() - started - render_s
        busy_mib = running.memory_mib()
        for page in [*pages, fresh]:
            page.close()
        deadline = time.monotonic() + 60
        while running.memory_mib() > 1.2 * start_mib and time.monotonic() < deadline:
            time.sleep(1)
        end_mib = running.memory_mib()
        print(f"30 playing tabs: a fresh tab rendered in {render_s:.1f} s and stepped in {step_s:.1f} s; server "
              f"memory {start_mib:.0f} -> {busy_mib:.0f} -> {end_mib:.0f} MiB")
        assert render_s <= 10
        assert end_mib <= 1.2 * start_mib
        running.wait_idle(within=10)
    finally:
        running.stop()
