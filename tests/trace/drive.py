"""Drives `go tool trace`'s viewer in headless Chromium and reports what it shows.

Usage: drive.py URL PNG TIMEOUT_S

URL is the server `go tool trace` started; PNG is where the proc view's
screenshot goes. Prints one JSON object on stdout with what the pages held
(tests/trace/viewer.rs asserts on it); exits 2 with one sentence on stderr
when a page does not get where it should within TIMEOUT_S seconds.

Design note: Playwright talks to Chromium over the DevTools protocol, so
the script can wait for the state it needs instead of for a time: the proc
view is done importing when the viewer element holds its model (Go's page
sets `viewer.model` once the import's promise resolves and the "Importing"
dialog closes), or failed when an error overlay appears. It only collects
facts; the test decides what is right. The browser is the system's
Chromium (`executable_path`): Playwright's own downloads are not used.
"""

import json
import sys

from playwright.sync_api import Error, TimeoutError as PlaywrightTimeout, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Done: the model is set (import finished) or an error overlay is up.
IMPORT_SETTLED = """() => {
  const v = document.getElementById('trace-viewer');
  const failed = Array.from(document.querySelectorAll('tr-ui-b-overlay'))
    .some(o => /error|fail/i.test(o.title || ''));
  return failed || !!(v && v.model);
}"""

# The catapult model's threads (one per row), with their slice counts, the
# overlays still on the page, and the row headings drawn in the page's text.
MODEL_FACTS = """() => {
  const v = document.getElementById('trace-viewer');
  const overlays = Array.from(document.querySelectorAll('tr-ui-b-overlay'))
    .map(o => ({title: o.title || '', text: o.textContent.trim().slice(0, 300)}));
  if (!v || !v.model) return {threads: [], overlays, text: ''};
  const threads = [];
  for (const p of v.model.getAllProcesses())
    for (const t of Object.values(p.threads))
      threads.push({process: p.name || '', name: t.name || '', slices: t.sliceGroup.slices.length});
  return {threads, overlays, text: document.body.innerText};
}"""

# Zooms the view onto the Proc rows' slices (the trace starts at boot, so
# the workload is a narrow band of the whole span) for the screenshot.
ZOOM = """() => {
  const v = document.getElementById('trace-viewer');
  let lo = Infinity, hi = -Infinity;
  for (const p of v.model.getAllProcesses())
    for (const t of Object.values(p.threads))
      if (/^Proc \\d+$/.test(t.name || ''))
        for (const s of t.sliceGroup.slices) { lo = Math.min(lo, s.start); hi = Math.max(hi, s.end); }
  if (!(hi > lo)) return false;
  const vp = v.trackView.viewport;
  const canvas = v.trackView.querySelector('canvas') || document.querySelector('canvas');
  const dt = new tr.ui.TimelineDisplayTransform();
  dt.set(vp.currentDisplayTransform);
  const pad = (hi - lo) * 0.02;
  dt.xSetWorldBounds(lo - pad, hi + pad, canvas.width);
  vp.setDisplayTransformImmediately(dt);
  return true;
}"""

GOROUTINE_GROUPS = """() => Array.from(document.querySelectorAll('table tr'))
  .map(r => Array.from(r.querySelectorAll('td')).map(c => c.textContent.trim()))
  .filter(c => c.length >= 2)
  .map(c => ({name: c[0], count: parseInt(c[1], 10)}))"""


def fail(what):
    print(f"drive.py: {what}", file=sys.stderr)
    sys.exit(2)


def main():
    url, png, timeout_s = sys.argv[1].rstrip("/"), sys.argv[2], float(sys.argv[3])
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(timeout_s * 1000)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.on(
            "console",
            lambda m: m.type == "error" and errors.append(f"{page.url}: console: {m.text}"),
        )

        # The index, as a user starts: its first "View trace by proc" link.
        page.goto(url + "/")
        links = page.eval_on_selector_all(
            "a", "as => as.map(a => [a.textContent.trim(), a.getAttribute('href')])"
        )
        proc_links = [h for t, h in links if t.startswith("View trace by proc")]
        if not proc_links:
            fail(f"the index at {url}/ has no 'View trace by proc' link: {links}")

        page.goto(url + proc_links[0])
        try:
            page.wait_for_function(IMPORT_SETTLED, polling=200)
        except PlaywrightTimeout:
            facts = page.evaluate(MODEL_FACTS)
            fail(
                f"the proc view {proc_links[0]} did not finish importing in {timeout_s:g} s; "
                f"overlays on the page: {facts['overlays']}"
            )
        procs = page.evaluate(MODEL_FACTS)
        zoomed = page.evaluate(ZOOM) if procs["threads"] else False
        # Let the zoomed frame be drawn before the picture.
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(path=png)

        page.goto(url + "/goroutines")
        groups = page.evaluate(GOROUTINE_GROUPS)
        browser.close()

    print(
        json.dumps(
            {
                "proc_links": proc_links,
                "threads": procs["threads"],
                "overlays": procs["overlays"],
                "text": procs["text"],
                "zoomed": zoomed,
                "goroutine_groups": groups,
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Error as e:
        fail(f"the browser failed: {e}")
