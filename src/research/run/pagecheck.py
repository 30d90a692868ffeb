"""A report page as headless Chromium lays it out for A4 print: language, alt texts, text
contrast and overflow (public-sector web accessibility, WCAG 2.1 AA).

`check_page(browser, html)` copies the page with its print rules switched on for the screen
(`@media print` -> `@media all`), adds a small script, and lets Chromium lay it out in a
window as wide as the A4 text column (`A4_TEXT_PX`: 210 mm less the 15 mm side margins of
`templates/report/print.css.j2`, at 96 CSS px per inch) and dump the DOM; the script writes
what it measured as JSON into the page:

- `lang`: the `<html lang>` of the page;
- `images`: the `alt` of every `<img>` (None when it has none);
- `wide`: the elements whose right edge lies beyond the column (tag, class, right edge);
- `contrast`: the lowest contrast ratio of any visible text against its effective background
  (the first opaque ancestor background, semi-transparent colours blended), with its element
  and colours.

`contrast_ratio(fg, bg)` is the WCAG 2.1 ratio of two CSS hex colours, for unit tests of the
template's own colours (`css_colours`). Screenshots for review: `screenshot(browser, html,
png)`. The browser is `research.run.pdf.find_chromium()`'s.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

from research.core.errors import UserError

#: the A4 text column of the print CSS: (210 - 2 x 15) mm at 96 px per inch
A4_TEXT_PX = round((210 - 2 * 15) / 25.4 * 96)
#: nbconvert's alt text of an image without one
NBCONVERT_ALT = "No description has been provided for this image"
TIMEOUT = 120
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--hide-scrollbars"]
_MARK = "research-page-check"

_SCRIPT = """<script>
(function () {
  function rgba(text) {
    var m = text.match(/[\\d.]+/g) || [0, 0, 0, 0];
    return [+m[0], +m[1], +m[2], m.length > 3 ? +m[3] : 1];
  }
  function over(top, below) {
    var a = top[3];
    return [0, 1, 2].map(function (i) { return top[i] * a + below[i] * (1 - a); });
  }
  function background(el) {
    var layers = [];
    for (; el && el.nodeType === 1; el = el.parentElement) {
      var c = rgba(getComputedStyle(el).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    var colour = [255, 255, 255];
    for (var i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  }
  function luminance(c) {
    var v = c.map(function (x) {
      x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function hex(c) {
    return "#" + c.map(function (x) { return ("0" + Math.round(x).toString(16)).slice(-2); }).join("");
  }
  var width = document.documentElement.clientWidth, wide = [], worst = null;
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    if (r.right > width + 1) wide.push([el.tagName.toLowerCase(), String(el.className), Math.round(r.right)]);
    var text = Array.from(el.childNodes).some(function (n) {
      return n.nodeType === 3 && n.textContent.trim();
    });
    if (!text) return;
    var bg = background(el), fg = over(rgba(getComputedStyle(el).color), bg);
    var l1 = luminance(fg), l2 = luminance(bg);
    var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (worst === null || ratio < worst.ratio)
      worst = {ratio: Math.round(ratio * 100) / 100, element: el.tagName.toLowerCase() + "." + el.className,
               colour: hex(fg), background: hex(bg)};
  });
  var out = {lang: document.documentElement.getAttribute("lang"), width: width,
             images: Array.from(document.images).map(function (i) { return i.getAttribute("alt"); }),
             wide: wide, contrast: worst};
  var pre = document.createElement("pre");
  pre.id = "%s";
  pre.style.display = "none";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>""" % _MARK


def probe_html(page: str) -> str:
    """The page with its print rules on for the screen and the measuring script added."""
    page = re.sub(r"@media\s+print\s*\{", "@media all {", page)
    at = page.rfind("</body>")
    return page[:at] + _SCRIPT + page[at:] if at >= 0 else page + _SCRIPT


def _run(browser: str, args: list[str], html: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([browser, *_FLAGS, *args, html.resolve().as_uri()],
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UserError(f"Chromium did not finish in {TIMEOUT} s", file=html) from None


def check_page(browser: str, html: Path, width: int = A4_TEXT_PX) -> dict:
    """What Chromium measures on `html` laid out `width` CSS px wide (see the module)."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(probe_html(html.read_text(encoding="utf-8")), encoding="utf-8")
        done = _run(browser, [f"--window-size={width},1200", "--dump-dom"], probe)
    found = re.search(rf'<pre id="{_MARK}"[^>]*>(.*?)</pre>', done.stdout, re.S)
    if not found:
        last = (done.stderr or "").strip().splitlines()[-1:] or [""]
        raise UserError(f"Chromium did not lay out the page ({last[0][:200]})", file=html)
    import html as html_
    return json.loads(html_.unescape(found.group(1)))


def screenshot(browser: str, html: Path, png: Path, width: int = 1280,
               height: int = 2000) -> None:
    """A PNG of the top of the page as a reader's browser window shows it."""
    png.parent.mkdir(parents=True, exist_ok=True)
    done = _run(browser, [f"--window-size={width},{height}", f"--screenshot={png.resolve()}"],
                html)
    if not png.exists():
        last = (done.stderr or "").strip().splitlines()[-1:] or [""]
        raise UserError(f"Chromium took no screenshot ({last[0][:200]})", file=html)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    r, g, b = (_linear(int(colour[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG 2.1 contrast ratio of two hex colours ('#1f4e79', '#fff'), 1 to 21."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def css_colours(css: str) -> list[tuple[str, str, str | None]]:
    """(selector, text colour, the rule's own background or None) of every CSS rule that
    sets a hex text colour."""
    out = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        colour = re.search(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{3,6})\b", body)
        if not colour:
            continue
        back = re.search(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{3,6})\b", body)
        out.append((" ".join(selector.split()), colour.group(1), back and back.group(1)))
    return out
