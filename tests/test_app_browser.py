"""The workshop app driven in a real browser, as a facilitator would use it.

Starts ``plc-sim app`` on a free port, drives Debian's Chromium through
Playwright (never a downloaded browser), and checks that the network, table
and charts render; that Step, Play, Pause and Reset move the step counter;
that a slider, the scenario picker, the colouring choice and a shock button
change what is shown; and that neither the browser console nor the server log
reports an error. A screenshot lands in ``test-output/app.png`` (the server's log in
``test-output/app-server.log``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000
SERVER_ERRORS = re.compile(r"Traceback|Error|Exception|Could not load URL", re.I)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, server: subprocess.Popen, seconds: float = 90) -> None:
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


@pytest.fixture(scope="module")
def server():
    from plc_sim.app.assets import cache_dir, missing, needed_packages

    absent = missing(needed_packages(), cache_dir())
    assert not absent, (f"the app's browser files are missing ({', '.join(absent)}); `make test` installs them, "
                        f"or run `.venv/bin/python -m plc_sim.app.assets`")
    OUTPUT.mkdir(exist_ok=True)
    port = free_port()
    log_path = OUTPUT / "app-server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "plc_sim.cli", "app", "--port", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}/", log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: `make browser` (part of `make test`) installs it"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def steps_shown(page) -> int:
    return int(page.locator(".plc-step-counter").inner_text().split()[-1])


def wait_steps(page, condition: str) -> None:
    """Wait until the step counter satisfies ``condition`` (a JavaScript expression in ``m``)."""
    page.wait_for_function(f"""() => {{
        const el = document.querySelector('.plc-step-counter');
        if (!el) return false;
        const m = parseInt(el.innerText.split(' ').pop());
        return {condition};
    }}""", timeout=WAIT_MS)


def wait_steps_still(page, seconds: float) -> None:
    """Wait until the step counter has not changed for ``seconds``."""
    page.wait_for_function("""(ms) => {
        const m = document.querySelector('.plc-step-counter').innerText;
        const now = performance.now();
        if (window.plcLastStep !== m) { window.plcLastStep = m; window.plcSince = now; return false; }
        return now - window.plcSince >= ms;
    }""", arg=seconds * 1000, polling=100, timeout=WAIT_MS)


def image_src(page, css_class: str) -> str:
    return page.locator(f"img.{css_class}").get_attribute("src")


def wait_image_change(page, css_class: str, old: str) -> None:
    page.wait_for_function(f"(old) => {{ const img = document.querySelector('img.{css_class}'); "
                           f"return img && img.src && img.src !== old; }}", arg=old, timeout=WAIT_MS)


def wait_text(page, selector: str, text: str) -> None:
    page.wait_for_function("([sel, text]) => { const el = document.querySelector(sel); "
                           "return el && el.innerText.includes(text); }", arg=[selector, text], timeout=WAIT_MS)


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def test_facilitator_session(server, browser):
    url, server_log = server
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    started = time.monotonic()

    page.goto(url)
    page.locator("img.plc-network").wait_for(timeout=60_000)
    page.locator("img.plc-charts").wait_for(timeout=WAIT_MS)
    page.locator("table.plc-schools").wait_for(timeout=WAIT_MS)
    assert steps_shown(page) == 0
    assert page.locator("table.plc-schools tbody tr").count() == 20  # the baseline's 20 schools
    assert "Nothing yet" in page.locator(".plc-log-empty").inner_text()
    assert page.get_by_text("Use Threads").is_hidden()  # Mesa's threaded mode lags behind this app's drawing

    # Step: the counter, the charts and the network move on.
    charts, network = image_src(page, "plc-charts"), image_src(page, "plc-network")
    button(page, "Step").click()
    wait_steps(page, "m === 1")
    wait_image_change(page, "plc-charts", charts)
    wait_image_change(page, "plc-network", network)

    # A second tab gets a run of its own (the model is built per browser session, not per server).
    other = browser.new_page(viewport={"width": 1280, "height": 800})
    other.goto(url)
    other.locator("img.plc-network").wait_for(timeout=60_000)
    assert steps_shown(other) == 0 and steps_shown(page) == 1
    other.close()

    # Play past the first year end, then pause: the event log reports who left.
    button(page, "▶").click()
    wait_steps(page, "m >= 11")
    pressed_at = steps_shown(page)
    button(page, "❚❚").click()
    wait_steps_still(page, seconds=1.5)  # playing steps every 0.15 s: 1.5 s without a change means paused
    assert pressed_at <= steps_shown(page) <= pressed_at + 1  # Mesa's play loop may finish the step under way
    wait_text(page, ".plc-log", "End of year 1")
    assert re.search(r"End of year 1: \d+ of 800 teachers left", page.locator(".plc-log").inner_text())

    # A live shock: the log says so in plain words and the charts mark it.
    charts = image_src(page, "plc-charts")
    page.locator(".plc-shock-budget_cut").click()
    wait_text(page, ".plc-log", "a budget cut removed")
    wait_image_change(page, "plc-charts", charts)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "app.png"))  # a year into the baseline, just after the budget cut

    # Colouring by engagement redraws the network.
    network = image_src(page, "plc-network")
    page.get_by_role("button", name="engagement").click()
    wait_image_change(page, "plc-network", network)

    # Reset starts again at step 0 with an empty log.
    button(page, "Reset").click()
    wait_steps(page, "m === 0")
    wait_text(page, ".plc-log-empty", "Nothing yet")

    # A slider (from the parameter declaration) changes the next run; Reset applies it.
    label = page.locator(".plc-control-label", has_text="Leadership distribution")
    assert label.inner_text().endswith(": 0.5")
    label.locator("xpath=following::*[@role='slider'][1]").focus()
    page.keyboard.press("ArrowRight")
    wait_text(page, ".plc-pending", "press Reset")
    assert not label.inner_text().endswith(": 0.5")
    button(page, "Reset").click()
    page.locator(".plc-pending").wait_for(state="detached", timeout=WAIT_MS)

    # A scenario starts at once and tells its story.
    page.locator(".plc-preset").click()
    page.get_by_role("option", name="champion-leaves").click()
    wait_text(page, ".plc-story", "Strong principals")
    assert steps_shown(page) == 0

    button(page, "Step").click()
    wait_steps(page, "m === 1")
    elapsed = time.monotonic() - started
    page.close()

    assert not problems, "\n".join(problems)
    errors = [line for line in server_log.read_text().splitlines() if SERVER_ERRORS.search(line)]
    assert not errors, "server log:\n" + "\n".join(errors)
    assert elapsed < 120, f"the session took {elapsed:.0f} s"
