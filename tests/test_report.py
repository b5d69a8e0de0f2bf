"""The HTML report: self-contained, verdict first, written atomically, and rendered by a real
browser (headless Chromium) with every image loaded."""

from __future__ import annotations

import base64
import html
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
def res(tiny_path) -> hubsim.Results:
    return hubsim.simulate(hubsim.load_scenario(tiny_path), seed=5, days=DAYS)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, res) -> Path:
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
    # nothing is fetched: every script inline, no stylesheet link, and no external image or
    # link in the markup (the inline Bokeh bundle's code holds URL strings of features the
    # map does not use; the browser test below shows none is requested)
    markup = re.sub(r"(?s)(<script[^>]*>).*?</script>", r"\1</script>", text)
    assert not re.search(r'(src|href)="(https?:|//)', markup)
    assert not re.search(r"<script[^>]*\bsrc=", markup) and "<link" not in markup
    for section in ("Key figures", "By hub", "By corridor", "By mode", "By service",
                    "Scenario", "Manifest"):
        assert f"<h2>{section}" in text
    assert "scenario file sha256" in text and "tiny" in text
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


# --- the interactive map --------------------------------------------------------------------

# appended to a copy of the report: after load, it finds the Bokeh maps, moves the hover tool
# of the region's map onto its first hub (HoverToolView._move, what a pointer move calls: a
# Bokeh internal, so a Bokeh upgrade that renames it fails here rather than passing
# silently), and writes what it found as JSON into the DOM: the maps, the tooltip's text, the
# hover texts of the data and every resource the page fetched (Resource Timing)
_MAP_PROBE = """<script>function hubsimProbe(tries) {
  if (window.Bokeh && !Object.keys(Bokeh.index).length && tries > 0) {  // embedding is async
    setTimeout(function () { hubsimProbe(tries - 1); }, 200); return; }
  var out = {bokeh: !!window.Bokeh, plots: 0, tip: "", hover: [], err: null,
             resources: performance.getEntriesByType("resource").map(function (e) {
               return e.name; })};
  try {
    var plots = []; (function find(v) { if (v.frame && v.model.type === "Figure") plots.push(v);
      (v.child_views || []).forEach(find); })(Object.values(Bokeh.index)[0]);
    out.plots = plots.length;
    var pv = plots[plots.length - 1];
    var src = pv.model.renderers.filter(function (r) {
      return r.data_source && r.data_source.data.label; })[0].data_source;
    Bokeh.documents[0].all_models.forEach(function (m) {
      if (m.type === "ColumnDataSource" && m.data.hover)
        out.hover = out.hover.concat(Array.from(m.data.hover)); });
    var sx = pv.frame.x_scale.compute(src.data.x[0]), sy = pv.frame.y_scale.compute(src.data.y[0]);
    Array.from(pv.tool_views.values()).forEach(function (v) {
      if (v.model.type === "HoverTool") v._move({type: "move", sx: sx, sy: sy, modifiers: {}}); });
  } catch (e) { out.err = String(e); }
  setTimeout(function () {
    (function walk(root) { root.querySelectorAll("*").forEach(function (el) {
      if (el.shadowRoot && String(el.className).indexOf("Tooltip") >= 0)
        out.tip += Array.from(el.shadowRoot.childNodes).filter(function (n) {
          return n.nodeName !== "STYLE"; }).map(function (n) { return n.textContent; }).join("");
      if (el.shadowRoot) walk(el.shadowRoot); }); })(document);
    var d = document.createElement("div"); d.id = "map-probe"; d.textContent = JSON.stringify(out);
    document.body.appendChild(d); }, 500);
}
window.addEventListener("load", function () { setTimeout(function () { hubsimProbe(25); },
                                                         300); });</script>"""

#: Where headless Chromium sends requests of its own (clock, component updates, sign-in),
#: whatever the page; a page's request to any other host counts, maps.googleapis.com too.
#: The page-side check (Resource Timing, which lists failed requests as well) has no such
#: exception.
_BROWSER_OWN = (".google.com", ".googleapis.com", ".gvt1.com")


def _browser_own(host: str) -> bool:
    return host.endswith(_BROWSER_OWN) and host != "maps.googleapis.com"


class _Recorder:
    """A proxy that refuses and records every request the browser sends it (plain GETs and
    the CONNECTs of HTTPS)."""

    def __enter__(self):
        import http.server
        import socketserver
        import threading

        seen: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_CONNECT(self):
                seen.append(self.path.rsplit(":", 1)[0])
                self.send_error(403)

            def do_GET(self):
                seen.append(self.path.split("/")[2] if "://" in self.path else self.path)
                self.send_error(403)

            def log_message(self, *_args):
                pass

        self.seen = seen
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def page_requests(self) -> list[str]:
        return [h for h in self.seen if not _browser_own(h)]

    def flag(self) -> str:
        return f"--proxy-server=http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()


def _offline_dom(page: Path, tmp: Path, proxy: _Recorder) -> str:
    """The page's DOM after load in headless Chromium, every request sent to ``proxy``."""
    proc = _browser(page.as_uri(), tmp, proxy.flag(), "--proxy-bypass-list=<-loopback>",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--disable-sync", "--disable-default-apps",
                    "--virtual-time-budget=5000", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_the_request_recorder_sees_a_page_fetching_from_outside(tmp_path):
    import json

    page = tmp_path / "fetches.html"
    page.write_text('<html><body><img src="http://example.invalid/a.png">'
                    '<script src="https://cdn.example.invalid/x.js"></script>'
                    '<script src="https://maps.googleapis.com/maps/api/js"></script>'
                    "</body></html>".replace("</body>", _MAP_PROBE + "</body>"))
    with _Recorder() as proxy:
        dom = _offline_dom(page, tmp_path, proxy)
    assert sorted(proxy.page_requests) == ["cdn.example.invalid", "example.invalid",
                                           "maps.googleapis.com"]
    found = re.search(r'<div id="map-probe">([^<]*)</div>', dom)
    assert found
    probe = json.loads(html.unescape(found.group(1)))
    assert len(probe["resources"]) == 3 and not probe["bokeh"]


def test_interactive_map_loads_offline_and_hovers(folder, tmp_path):
    import json

    text = (folder / REPORT_NAME).read_text(encoding="utf-8")
    assert '<h2 id="map">Network map (interactive)</h2>' in text
    page = tmp_path / "map.html"
    page.write_text(text.replace("</body>", _MAP_PROBE + "</body>"), encoding="utf-8")
    with _Recorder() as proxy:
        dom = _offline_dom(page, tmp_path, proxy)
    found = re.search(r'<div id="map-probe">([^<]*)</div>', dom)
    assert found, "the probe did not run: " + dom[-500:]
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["err"] is None and probe["bokeh"] and probe["plots"] == 2
    assert probe["resources"] == []  # the page fetched nothing, not even from file:
    assert proxy.page_requests == []  # and sent nothing toward a network
    # the tooltip a pointer on a hub shows: its name, handling use and wait
    assert "(hub, " in probe["tip"] and "Equipment utilisation" in probe["tip"], probe["tip"]
    assert "Wait for handling" in probe["tip"]
    links = [h for h in probe["hover"] if "load factor" in h]
    assert links and all("TEU/yr" in h or "t/yr" in h for h in links)


def test_map_tables_split_each_links_flow_by_direction(res, folder):
    import pandas as pd

    from hubsim.analysis.series import link_flows

    links = pd.read_csv(folder / "map_links.csv").set_index("link")
    both = link_flows(res.events, res.links, res.window)
    total = both["teu_per_year"] + both["air_t_per_year"]
    assert (total > 0).any()
    assert (links["out"] + links["back"]).reindex(total.index).to_numpy() == \
        pytest.approx(total.to_numpy())
    nodes = pd.read_csv(folder / "map_nodes.csv", keep_default_na=False)
    hubs = nodes[nodes["kind"] == "hub"]
    assert len(hubs) and hubs["detail"].str.contains("Equipment utilisation").all()


def test_report_counts_the_run_under_the_official_definitions(folder, res):
    """The report sets the official-definition KPIs beside channel throughput, each with how
    it differs, at the values of this run."""
    page = (folder / "report.html").read_text()
    assert "Under the official definitions" in page
    assert "how it differs from channel throughput" in page
    assert "Foreign-trade TEU through the channels" in page
    assert "CRE trains (82-TEU equivalents)" in page
    from hubsim.present.text import format_value

    assert format_value(res.kpi("foreign_trade_teu"), "TEU/yr") in page
