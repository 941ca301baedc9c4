"""peeling.html: every box of the peeling trajectory embedded in an offline page, each with the command that
reproduces it; driven in headless Chromium (hover shows a box, click pins it, nothing loads from the network)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from test_discover import fake_sweep, planted

from plc_sim.experiments.analysis.discover import discover
from plc_sim.experiments.analysis.discover_output import run_discovery
from plc_sim.experiments.analysis.discover_page import peeling_page

COMMAND = "plc-sim discover results/x --outcome persists"


def embedded(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="plc-boxes">(.*?)</script>', page, re.S)
    return json.loads(match[1])


@pytest.fixture(scope="module")
def found():
    x, y = planted(seed=1)
    return x, y, discover(x, y)


@pytest.fixture(scope="module")
def no_box():
    """Noise: PRIM peels, but no limit of the box it chooses is significant, so it reports no box."""
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.random(400), "b": rng.random(400)})
    discovery = discover(x, rng.random(400) < 0.3)
    assert not discovery.found_box and discovery.origin > 0
    return discovery


def test_the_page_embeds_the_peeling_trajectory(found):
    _, _, discovery = found
    data = embedded(peeling_page(discovery, "communities persist", COMMAND))
    trajectory = discovery.trajectory
    assert [b["id"] for b in data["boxes"]] == trajectory["id"].tolist()
    for name, column in (("coverage", "coverage"), ("density", "density"), ("mass", "mass"),
                         ("restricted", "res_dim"), ("cases", "n")):
        assert [b[name] for b in data["boxes"]] == trajectory[column].tolist(), name
    assert data["chosen"] == discovery.chosen and data["cases"] == discovery.cases
    chosen = data["boxes"][data["chosen"]]
    assert [limit["words"] for limit in chosen["limits"]] == [r.words() for r in discovery.restrictions]
    assert all(len(b["limits"]) == b["restricted"] for b in data["boxes"])


def test_each_box_s_command_reproduces_it(found):
    x, y, discovery = found
    data = embedded(peeling_page(discovery, "communities persist", COMMAND))
    peeled = [b for b in data["boxes"] if b["peeled"]]
    assert len(peeled) == discovery.peeled and all(b["command"] == f"{COMMAND} --box {b['id']}" for b in peeled)
    for box in (peeled[3], peeled[len(peeled) // 2], peeled[-1]):
        again = discover(x, y, box=box["id"])
        kept = [limit["words"] for limit in box["limits"] if not limit["dropped"]]
        assert [r.words() for r in again.restrictions] == kept, box["id"]
        if len(kept) == len(box["limits"]):
            assert again.chosen == box["id"]
    for box in data["boxes"]:
        if not box["peeled"]:  # made by dropping limits of the originally chosen box
            assert box["command"] == f"{COMMAND} --box {discovery.origin}"


def test_the_page_says_when_no_box_was_chosen(found, no_box):
    page = peeling_page(no_box, "communities persist", COMMAND)
    assert embedded(page)["found_box"] is False
    verdict = re.search(r'<p id="no-box" class="verdict">(.*?)</p>', page, re.S)
    assert verdict and verdict[1].startswith(f"PRIM found no box: no limit of box {no_box.origin}")
    assert "The red ring is the box the summary reports" not in page and "No box is ringed" in page
    found_page = peeling_page(found[2], "communities persist", COMMAND)
    assert embedded(found_page)["found_box"] is True
    assert 'id="no-box"' not in found_page and "The red ring is the box the summary reports" in found_page


def test_the_page_loads_nothing_from_elsewhere(found):
    page = peeling_page(found[2], "communities <persist>", COMMAND)
    assert not re.search(r"<script[^>]+src=|<link|@import|url\(|<img|<iframe", page)
    assert set(re.findall(r"https?://[^\s\"']+", page)) == {"http://www.w3.org/2000/svg"}  # a name, not a fetch
    assert "communities &lt;persist&gt;" in page


def test_discover_writes_the_page_with_the_sweep_s_command(tmp_path):
    data = fake_sweep(tmp_path)
    _, _, folder = run_discovery(data, "final_health", 0.5, True, None, 0.5)
    boxes = embedded((folder / "peeling.html").read_text())["boxes"]
    assert boxes[0]["command"] == (f"plc-sim discover {tmp_path / 'sweep'} --outcome final_health --threshold 0.5 "
                                   "--below --box 0")


def apart(trajectory, pixels: float = 12.0) -> list[int]:
    """Boxes whose dot no later-drawn dot comes within ``pixels`` of (the chart is 470 x 370 pixels)."""
    points = list(zip(trajectory["id"], trajectory.coverage * 470, trajectory.density * 370, strict=True))
    return [int(box) for i, (box, x, y) in enumerate(points)
            if all((x - x2) ** 2 + (y - y2) ** 2 > pixels ** 2 for _, x2, y2 in points[i + 1:])]


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_hover_shows_a_box_and_click_pins_its_command(found, tmp_path):
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is missing: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    _, _, discovery = found
    path = tmp_path / "peeling.html"
    path.write_text(peeling_page(discovery, "communities persist", COMMAND), encoding="utf-8")
    free = apart(discovery.trajectory)  # dots no other dot covers, to point at with the mouse
    target, other = free[len(free) // 2], free[0]
    covered = next(int(i) for i in discovery.trajectory["id"] if int(i) not in free)
    requests, problems = [], []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=shutil.which("chromium"),
                                         args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(path.as_uri())
            assert page.locator("circle.point").count() == len(discovery.trajectory)
            assert page.locator("#panel h2").inner_text().startswith(f"Box {discovery.chosen}")
            page.locator(f"circle[data-box='{target}']").click()
            assert page.locator("#panel h2").inner_text().startswith(f"Box {target}")
            assert page.locator("#command").inner_text() == f"{COMMAND} --box {target}"
            page.locator(f"circle[data-box='{other}']").hover()
            assert page.locator("#panel h2").inner_text().startswith(f"Box {other}")
            page.mouse.move(5, 5)  # leaving the dot shows the pinned box again
            assert page.locator("#command").inner_text() == f"{COMMAND} --box {target}"
            page.select_option("#pick", str(covered))  # a dot under others: from the list
            assert page.locator("#command").inner_text() == f"{COMMAND} --box {covered}"
            page.locator(f"circle[data-box='{covered}']").focus()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("Enter")
            assert page.locator("#panel h2").inner_text().startswith(f"Box {covered + 1}")
        finally:
            browser.close()
    assert problems == []
    assert [url for url in requests if not url.startswith("file://")] == []


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_with_no_box_nothing_is_ringed_and_the_page_opens_on_prim_s_first_choice(no_box, tmp_path):
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is missing: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    path = tmp_path / "peeling.html"
    path.write_text(peeling_page(no_box, "communities persist", COMMAND), encoding="utf-8")
    problems = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=shutil.which("chromium"),
                                         args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(path.as_uri())
            assert page.locator("#no-box").is_visible()
            assert page.locator("circle.chosen").count() == 0
            heading = page.locator("#panel h2").inner_text()
            assert heading == f"Box {no_box.origin}", heading
            page.select_option("#pick", str(no_box.chosen))
            assert page.locator("#panel h2").inner_text() == f"Box {no_box.chosen}"  # not "the summary's box"
        finally:
            browser.close()
    assert problems == []
