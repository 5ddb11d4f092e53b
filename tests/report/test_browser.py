"""report.html in a real headless browser (Debian's chromium, where installed): every image decodes and no
table is wider than the page."""

import json
import re
import shutil
import subprocess

import pytest

from ragft.report.write import render_reports
from tests.report.test_report import _records, _results
from tests.results_factory import run_results

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
PROBE = """<script>
window.addEventListener('load', () => {
  const page = document.body.clientWidth;
  const images = [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0}));
  const tables = [...document.querySelectorAll('table')].map(t => ({width: t.scrollWidth, page}));
  const scroll = document.documentElement.scrollWidth;  // wider than the window: the page scrolls sideways
  const out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({images, tables, page, scroll, window: window.innerWidth});
  document.body.appendChild(out);
});
</script></body>"""


def _probe(html_path, tmp_path):
    probed = tmp_path / "probed.html"
    probed.write_text(html_path.read_text(encoding="utf-8").replace("</body>", PROBE), encoding="utf-8")
    dom = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,900",
            "--virtual-time-budget=5000",
            "--dump-dom",
            probed.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.skipif(BROWSER is None, reason="no headless chromium installed (apt install chromium)")
def test_report_renders_in_a_real_browser(tmp_path):
    from ragft.evaluate.paired import paired_comparisons

    results = _results()
    results["comparisons"] = paired_comparisons(_records(results), list(results["arms"]))
    render_reports(run_results(results), _records(results), tmp_path)
    probe = _probe(tmp_path / "report.html", tmp_path)
    assert probe["images"] and all(i["ok"] for i in probe["images"]), probe["images"]
    assert all(t["width"] <= t["page"] for t in probe["tables"]), probe["tables"]


@pytest.mark.skipif(BROWSER is None, reason="no headless chromium installed (apt install chromium)")
def test_a_table_wider_than_the_page_scrolls_in_its_own_box(tmp_path):
    results = _results()
    results["arms"]["base"]["description"] = "untouched_" * 40  # one word no line can break
    render_reports(run_results(results), _records(results), tmp_path)
    probe = _probe(tmp_path / "report.html", tmp_path)
    assert max(t["width"] for t in probe["tables"]) > probe["page"]  # the table is wider than the page
    assert probe["scroll"] <= probe["window"], probe  # and the page itself does not scroll sideways
