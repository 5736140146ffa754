"""The HTML report in a real headless browser (Debian's chromium through
chromedriver): it loads with no console errors and no network request, its
annotations sit on the hunks they explain, and the filters work.  A
screenshot is saved under the test's tmp dir.

Skips (with the reason) when chromium, chromedriver or selenium is missing;
CI installs them with ``.ci/install-browser.sh``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmgen_migrate.cli import cli
from mmgen_migrate.reports import build_document, render

from report_helpers import ZOO, StubVerify

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e .[test])")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("chromium/chromedriver not installed (run .ci/install-browser.sh)", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="mmgen-migrate-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open(browser, path: Path):
    browser.get(path.resolve().as_uri())
    problems = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert not problems, problems
    return browser


def _visible(browser, css: str):
    return [e for e in browser.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def _box(browser, group: str, value: str):
    return browser.find_element(By.CSS_SELECTOR, f'input[data-filter="{group}"][value="{value}"]')


@pytest.fixture
def report_page(tmp_path):
    out = tmp_path / "review.html"
    r = CliRunner().invoke(cli, ["convert", str(ZOO), "--check", "--report", str(out), "--isolated",
                                 "--select", "OPT,STP"])
    assert r.exit_code == 2 and out.exists(), r.output
    return out


def test_page_loads_offline_with_annotated_hunks(browser, report_page, tmp_path):
    page = _open(browser, report_page)
    assert page.title.startswith("mmgen-migrate report:")
    # nothing fetched: the page is self-contained
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    # every file has a section; the failed one says why
    sections = page.find_elements(By.CSS_SELECTOR, "section.file")
    assert len(sections) == len(list(ZOO.rglob("*.py")))
    broken = page.find_element(By.CSS_SELECTOR, 'section.file[data-path="misc/broken.py"]')
    assert "missing.py" in broken.find_element(By.CSS_SELECTOR, ".error").text
    # the review finding is annotated on the hunk of the statement it wrote
    # (one hunk per statement), and the hunk of the 0.x statement it read
    # points there
    odd = page.find_element(By.CSS_SELECTOR, 'section.file[data-path="misc/cgan_odd.py"]')
    (review,) = odd.find_elements(By.CSS_SELECTOR, '.hunk .ann:not(.ref)[data-severity="review"][data-rule="STP001"]')
    assert "does not divide" in review.text and "model.discriminator_steps" in review.text
    hunk = review.find_element(By.XPATH, "./ancestor::div[contains(@class,'hunk')]")
    new_cells = [c.text for c in hunk.find_elements(By.CSS_SELECTOR, "td.new.ins")]
    assert any("discriminator_steps=1.5," in c for c in new_cells)
    old_cells = [c.text for c in hunk.find_elements(By.CSS_SELECTOR, "td.old.del")]
    assert old_cells == ["model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))"]
    (ref,) = odd.find_elements(By.CSS_SELECTOR, '.hunk .ann.ref[data-rule="STP001"][data-severity="review"]')
    assert "annotated at new lines 1–4" in ref.text
    read = ref.find_element(By.XPATH, "./ancestor::div[contains(@class,'hunk')]")
    assert [c.text for c in read.find_elements(By.CSS_SELECTOR, "td.old.del")] == [
        "train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)"]
    # the old `optimizer` sits next to the new `optim_wrapper` that replaced it
    rows = [[c.text for c in tr.find_elements(By.CSS_SELECTOR, "td.old, td.new")]
            for tr in odd.find_elements(By.CSS_SELECTOR, "tr.replace")]
    assert [r for r in rows if r[0].startswith("optimizer = dict(")][0][1] == "optim_wrapper = dict("
    page.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_severity_rule_and_status_filters(browser, report_page):
    page = _open(browser, report_page)
    total_files = len(_visible(page, "section.file"))
    exact_before = len(_visible(page, '.ann[data-severity="exact"]'))
    assert exact_before > 0
    # hide exact changes: their annotations go, and hunks holding only exact changes go with them
    _box(page, "severity", "exact").click()
    assert _visible(page, '.ann[data-severity="exact"]') == []
    assert _visible(page, '.ann[data-severity="review"]')
    wgan = page.find_element(By.CSS_SELECTOR, 'section.file[data-path="wgan/wgan_gp.py"]')
    assert not wgan.is_displayed()  # only exact changes there
    assert int(page.find_element(By.ID, "shown").text) < total_files
    _box(page, "severity", "exact").click()
    assert len(_visible(page, '.ann[data-severity="exact"]')) == exact_before
    # rule filter: without STP001 no STP001 annotation is visible, OPT001 ones are
    _box(page, "rule", "STP001").click()
    assert _visible(page, '.ann[data-rule="STP001"]') == []
    assert _visible(page, '.ann[data-rule="OPT001"]')
    _box(page, "rule", "STP001").click()
    # status filter: only failed files
    for status in ("converted", "unchanged"):
        _box(page, "status", status).click()
    assert [s.get_attribute("data-path") for s in _visible(page, "section.file")] == ["misc/broken.py"]
    # the shortcut: everything back, then only what needs review
    page.find_element(By.ID, "show-all").click()
    assert len(_visible(page, "section.file")) == total_files
    page.find_element(By.ID, "only-attention").click()
    shown = {s.get_attribute("data-path") for s in _visible(page, "section.file")}
    assert "misc/cgan_odd.py" in shown and "misc/broken.py" in shown and "wgan/wgan_gp.py" not in shown
    # the path filter narrows by substring, case-insensitively
    search = page.find_element(By.ID, "path-filter")
    search.send_keys("STYLEGAN/")
    assert sorted(s.get_attribute("data-path") for s in _visible(page, "section.file")) == [
        "stylegan/dcgan_accum.py", "stylegan/dcgan_odd.py"]
    page.find_element(By.ID, "show-all").click()
    assert search.get_attribute("value") == "" and len(_visible(page, "section.file")) == total_files
    # no filter change raised anything
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []


def test_verify_timelines_are_shown(browser, zoo_results, tmp_path):
    doc = build_document(zoo_results, verify={"misc/cgan_odd.py": StubVerify()}, include_hunks=True)
    out = tmp_path / "verify.html"
    out.write_text(render("html", doc), encoding="utf-8")
    page = _open(browser, out)
    block = page.find_element(By.CSS_SELECTOR, 'section.file[data-path="misc/cgan_odd.py"] .verify')
    assert "different" in block.text and "first difference at iteration 3" in block.text
    timelines = [t.text for t in block.find_elements(By.CSS_SELECTOR, "pre.timeline")]
    assert any("old   SSSS·S" in t and "new   SSS·SS" in t for t in timelines)
    page.save_screenshot(str(tmp_path / "verify.png"))


def test_tree_of_110_configs(browser, tmp_path):
    """A zoo-sized tree: the page loads offline, every shared message is
    filled in, each annotation sits on the hunk that shows the lines of the
    statement it explains (one hunk per statement), and the review shortcut
    leaves exactly the files that need a look."""
    from report_helpers import generate_tree

    root = tmp_path / "configs"
    kinds = generate_tree(root)
    html, data = tmp_path / "tree.html", tmp_path / "tree.json"
    r = CliRunner().invoke(cli, ["convert", str(root), "--check", "--report", str(html), "--report", str(data),
                                 "--isolated", "--select", "OPT,STP"])
    assert r.exit_code == 2, r.output
    import json

    doc = json.loads(data.read_text())
    page = _open(browser, html)
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert len(page.find_elements(By.CSS_SELECTOR, "section.file")) == len(doc["files"]) > 110
    assert page.execute_script(
        "return Array.from(document.querySelectorAll('.msg')).filter(m => !m.textContent.trim()).length") == 0
    placed = page.execute_script("""
        return Array.from(document.querySelectorAll('.hunk:not(.file-level) .ann:not(.ref)')).map(function (a) {
          var hunk = a.closest('.hunk');
          var nums = function (sel) {
            return Array.from(hunk.querySelectorAll(sel)).map(td => Number(td.textContent)).filter(n => n > 0);
          };
          return [a.closest('section').dataset.path, a.dataset.index,
                  nums('tr > td.no:nth-child(1)'), nums('tr > td.no:nth-child(3)')];
        });""")
    files = {f["path"]: f for f in doc["files"]}
    assert len(placed) > 500
    for path, indices, old_nos, new_nos in placed:
        for i in indices.split():
            c = files[path]["changes"][int(i)]
            if c["new_lines"]:
                assert c["new_lines"][0] in new_nos, (path, c["rule"], c["new_path"])
            else:
                assert set(range(c["old_lines"][0], c["old_lines"][1] + 1)) & set(old_nos), (path, c["rule"])
    page.find_element(By.ID, "only-attention").click()
    shown = {s.get_attribute("data-path") for s in _visible(page, "section.file")}
    assert shown == set(kinds["review"]) | set(kinds["long"]) | set(kinds["failed"])
    page.save_screenshot(str(tmp_path / "tree.png"))
