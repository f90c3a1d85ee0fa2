"""Look at a page as Chromium lays it out: its width at a viewport and its links.

The pages carry no script; the probe writes a copy beside the page (so its
relative links resolve the same way) with a small script appended, lets
headless Chromium run it at the given window size and reads what the
script wrote into the DOM (`--dump-dom`).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from crosscheck.report import browser

WRAPPER = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="f" src="{src}" style="width:{width}px;height:{height}px;border:0"></iframe>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {{
  const d = f.contentDocument;
  const links = [...d.querySelectorAll('a')].map(a => {{
    const h = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    return new URL(h, d.baseURI).href;
  }});
  const count = d.getElementById('count');
  const total = d.getElementById('total');
  document.body.setAttribute('data-probe', JSON.stringify({{
    scrollWidth: d.scrollingElement.scrollWidth,
    clientWidth: d.documentElement.clientWidth,
    links: links,
    rows: d.querySelectorAll('#rows tbody tr.item').length,
    count: count ? count.textContent : null,
    total: total ? total.textContent : null,
    title: d.title,
    text: d.body.innerText,
  }}));
}});
</script></body></html>"""


def probe(page: Path, width: int = 1000, height: int = 1400) -> dict:
    """The page laid out `width` CSS pixels wide (in an iframe: a phone is
    narrower than Chromium's smallest window), its links resolved by the browser."""
    wrapper = page.with_name(f".probe-{page.name}")
    wrapper.write_text(WRAPPER.format(src=page.name, width=width, height=height), encoding="utf-8")
    try:
        dom = browser.run(
            wrapper,
            "--dump-dom",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            f"--window-size={max(width, 800) + 20},{height}",
        )
    finally:
        wrapper.unlink()
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, f"the probe did not run on {page.name}"
    out = json.loads(html.unescape(found[1]))
    out["files"] = [
        Path(unquote(urlparse(u).path)) for u in out["links"] if u.startswith("file://")
    ]
    return out
