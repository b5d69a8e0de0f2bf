"""The HTML report: self-contained, verdict first, written atomically, and rendered by a real
browser (headless Chromium) with every image loaded."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hubsim
from hubsim.present.output import FIGURES, write_results
from hubsim.present.report import REPORT_NAME, ReportError, render_report, write_report

DAYS = 20


@pytest.fixture(scope="module")
def folder(tmp_path_factory, tiny_path) -> Path:
    res = hubsim.simulate(hubsim.load_scenario(tiny_path), seed=5, days=DAYS)
    return write_results(res, tmp_path_factory.mktemp("run") / "out", report=True)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _browser(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    exe = _chromium()
    if exe is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium package)")
    return subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp / 'profile'}", "--window-size=1280,2000", *extra, url],
        capture_output=True, text=True, timeout=120)


# appended to a copy of the report in the browser test only: after the page's load event it
# writes how many <img> there are and which did not decode (naturalWidth 0) into the DOM
_PROBE = """<script>window.addEventListener("load", function () {
  var im = document.images, broken = [];
  for (var i = 0; i < im.length; i++) {
    if (!im[i].complete || im[i].naturalWidth === 0) broken.push(im[i].alt || i);
  }
  var d = document.createElement("div"); d.id = "image-check";
  d.textContent = "images=" + im.length + " broken=" + broken.length
    + " [" + broken.join("|") + "]";
  document.body.appendChild(d);
});</script>"""


def _image_check(html_text: str, tmp: Path) -> tuple[str, str]:
    page = tmp / "probe.html"
    page.write_text(html_text.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    proc = _browser(page.as_uri(), tmp, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<div id="image-check">([^<]*)</div>', proc.stdout)
    assert found, "the page's load handler did not run: " + proc.stdout[-500:]
    return found.group(1), proc.stdout


def test_run_writes_a_self_contained_report(folder):
    text = (folder / REPORT_NAME).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # the verdict comes before any figure or table of KPIs
    assert text.index('id="verdict"') < text.index("<figure") < text.index("<h2>By hub")
    srcs = re.findall(r'<img src="([^"]*)"', text)
    assert len(srcs) == len(FIGURES)
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    for src in srcs:  # each embedded image is a complete PNG
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[-8:-4] == b"IEND"
    # nothing is fetched: no external scripts, styles or images
    assert not re.search(r'(src|href)="(https?:|//)', text)
    for section in ("Key figures", "By hub", "By corridor", "By mode", "By service",
                    "Scenario", "Manifest"):
        assert f"<h2>{section}</h2>" in text
    assert "scenario_sha256" in text and "tiny" in text
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_verdict_follows_the_targets(folder, tmp_path):
    targets = (folder / "targets.csv").read_text()
    text = render_report(folder)
    n_missed = sum(1 for line in targets.splitlines()[1:] if ",False," in line)
    if n_missed:
        assert f"{n_missed} of 2 targets NOT MET" in text
    else:
        assert "VERDICT: all 2 targets met" in text
    # flip every target to met and the headline follows
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "targets.csv").write_text(targets.replace(",False,", ",True,"))
    assert "VERDICT: all 2 targets met" in render_report(copy)
    (copy / "targets.csv").write_text(targets.replace(",True,", ",False,"))
    assert "2 of 2 targets NOT MET (channel, intl)" in render_report(copy)


def test_report_command_rewrites_the_report_atomically(folder, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / REPORT_NAME).unlink()
    proc = subprocess.run([sys.executable, "-m", "hubsim.cli", "report", str(copy)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(copy / REPORT_NAME)
    assert (copy / REPORT_NAME).read_text(encoding="utf-8") == render_report(copy)
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []


def test_report_on_a_folder_that_is_not_results_fails_cleanly(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hubsim.cli", "report", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("hubsim: error: ")
    assert "no manifest.json" in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ReportError, match=r"targets\.csv missing"):
        write_report(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_failed_run_leaves_no_report_or_folder(tmp_path, tiny_path, monkeypatch):
    import hubsim.present.output as output

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(output, "write_report", boom)
    res = hubsim.simulate(hubsim.load_scenario(tiny_path), seed=5, days=5)
    with pytest.raises(RuntimeError):
        write_results(res, tmp_path / "out", report=True)
    assert list(tmp_path.iterdir()) == []


def test_report_renders_in_headless_chromium_with_every_image_loaded(folder, tmp_path):
    text = (folder / REPORT_NAME).read_text(encoding="utf-8")
    check, dom = _image_check(text, tmp_path)
    assert check == f"images={len(FIGURES)} broken=0 []"
    verdict = re.search(r'<div class="verdict [a-z]+" id="verdict">([^<]*)</div>', dom)
    assert verdict and verdict.group(1).startswith("VERDICT: ")
    assert "Channel throughput" not in verdict.group(1)  # the headline, not a figure title
    shot = tmp_path / "shot.png"
    proc = _browser((folder / REPORT_NAME).as_uri(), tmp_path, f"--screenshot={shot}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_browser_check_detects_a_broken_image(tmp_path):
    page = ('<!DOCTYPE html><html><body><img alt="good" src="data:image/png;base64,'
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
            'AABJRU5ErkJggg=="><img alt="bad" src="data:image/png;base64,AAAA"></body></html>')
    check, _ = _image_check(page, tmp_path)
    assert check == "images=2 broken=1 [bad]"
