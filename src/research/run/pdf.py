"""PDFs of the municipal reports, printed by headless Chromium (`research run --pdf`).

A real browser engine prints what a reader's browser prints: the report's A4 `@page` rule,
its print CSS and its embedded images, with no second layout engine to keep in step. The
browser is looked up on the machine (`RESEARCH_CHROMIUM`, then the usual command names); the
kit does not download one. Each PDF is written to a temporary file and renamed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from research.core.atomic import temporary
from research.core.errors import UserError

#: Command names of Chromium-based browsers, in the order they are tried.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV = "RESEARCH_CHROMIUM"
TIMEOUT = 120


def find_chromium() -> str | None:
    """The path of a headless-capable Chromium on this machine, or None."""
    named = os.environ.get(ENV)
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The browser path, or a UserError saying how to get one."""
    found = find_chromium()
    if found is None:
        raise UserError("--pdf needs headless Chromium, and none was found on this machine "
                        f"(tried ${ENV} and {', '.join(BROWSERS)}); install it (Debian: "
                        "`apt-get install chromium`) or set RESEARCH_CHROMIUM to its path")
    return found


def print_pdf(browser: str, html: Path, pdf: Path) -> None:
    """Print one HTML file to `pdf` with the page size and margins of its CSS."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary(pdf)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-pdf-header-footer", "--print-to-pdf-no-header", "--run-all-compositor-stages-before-draw",
           f"--print-to-pdf={tmp}", html.resolve().as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        if done.returncode != 0 or not Path(tmp).exists() or Path(tmp).stat().st_size == 0:
            last = (done.stderr or "").strip().splitlines()[-1:] or [""]
            raise UserError(f"Chromium could not print the report ({last[0][:200]})", file=html)
        os.replace(tmp, pdf)
    except subprocess.TimeoutExpired:
        raise UserError(f"Chromium did not finish printing in {TIMEOUT} s", file=html) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_pdfs(reports: Path, entries: dict, browser: str) -> None:
    """A PDF beside every published municipal report whose PDF is missing or older; the
    entry's `pdf` field names it (None when its HTML is not published)."""
    for entry in entries.values():
        if not entry.get("html"):
            entry["pdf"] = None
            continue
        html = reports / entry["html"]
        rel = str(Path("pdf") / Path(entry["html"]).relative_to("html").with_suffix(".pdf"))
        pdf = reports / rel
        if not pdf.exists() or pdf.stat().st_mtime < html.stat().st_mtime:
            print_pdf(browser, html, pdf)
        entry["pdf"] = rel
