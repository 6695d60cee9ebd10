import HTTP

/// The page's own files, served by the daemon from the binary (nothing is fetched from
/// elsewhere): the stylesheet, the one small script that follows running downloads,
/// the icon. Files, not inline: the Content-Security-Policy allows only this origin's.
enum PageAssets {
    struct Asset {
        var contentType: String
        var text: String
    }

    static let byPath: [String: Asset] = [
        "/static/archive.css": Asset(contentType: "text/css; charset=utf-8", text: css),
        "/static/archive.js": Asset(contentType: "text/javascript; charset=utf-8", text: script),
        "/static/favicon.svg": Asset(contentType: "image/svg+xml", text: favicon),
    ]

    static func response(path: String) -> HTTPResponse? {
        guard let asset = byPath[path] else { return nil }
        var headers = HTTPHeaders()
        headers.add("Content-Type", asset.contentType)
        // The files change only with the binary; an hour saves the page a request per load.
        headers.add("Cache-Control", "public, max-age=3600")
        return HTTPResponse(status: 200, headers: headers, body: Array(asset.text.utf8))
    }

    /// Polls `GET /api/v1/tasks/{id}` every second for each download marked live, and
    /// moves its bar; on the task's own page a download that ends loads the page again,
    /// without the notice of the action that started it (the player appears, or the
    /// retry button). Text goes in with `textContent`, never as markup.
    static let script = """
        // videohookd archive page: follows running downloads without a reload.
        (function () {
          "use strict";
          var POLL_MS = 1000;
          var UNITS = ["KiB", "MiB", "GiB", "TiB"];

          function formatBytes(count) {
            if (count < 1024) { return count + " B"; }
            var value = count / 1024, unit = 0;
            while (value >= 1024 && unit < UNITS.length - 1) { value /= 1024; unit += 1; }
            return (value < 10 ? value.toFixed(1) : value.toFixed(0)) + " " + UNITS[unit];
          }

          function follow(box) {
            var id = box.getAttribute("data-task-id");
            var bar = box.querySelector("progress");
            var state = box.querySelector(".state");
            var bytes = box.querySelector(".bytes");
            var onTaskPage = box.parentElement && box.parentElement.id === "download";

            function show(download) {
              state.textContent = download.state;
              state.className = "state state-" + download.state;
              if (bar) {
                if (typeof download.percent === "number") { bar.value = download.percent; bar.textContent = download.percent + " %"; }
                else { bar.removeAttribute("value"); }
              }
              bytes.textContent = formatBytes(download.bytes_done)
                + (download.bytes_total ? " of " + formatBytes(download.bytes_total) : "");
            }

            function tick() {
              fetch("/api/v1/tasks/" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
                .then(function (response) { return response.ok ? response.json() : null; })
                .then(function (detail) {
                  var download = detail && detail.task && detail.task.download;
                  if (!download) { return later(); }
                  show(download);
                  if (download.state === "done" || download.state === "failed") {
                    box.classList.remove("live");
                    if (onTaskPage) { window.location.replace(window.location.pathname); }
                    return;
                  }
                  later();
                })
                .catch(later);
            }

            function later() { window.setTimeout(tick, POLL_MS); }
            later();
          }

          document.addEventListener("DOMContentLoaded", function () {
            Array.prototype.forEach.call(document.querySelectorAll(".progress.live"), follow);
          });
        })();

        """

    static let css = """
        :root { --ink: #1d2330; --muted: #5d6678; --line: #dde1e8; --back: #f6f7f9; --accent: #2456c7;
                --ok: #1d7a46; --warn: #a86400; --bad: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--back); }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        code, pre, .id, .time, .num { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
        .bar { display: flex; align-items: center; justify-content: space-between; padding: 10px 24px; background: #1d2330; }
        .bar .brand { color: #fff; font-weight: 600; letter-spacing: .02em; }
        .bar button { background: transparent; color: #fff; border: 1px solid #5d6678; }
        main { max-width: 1200px; margin: 0 auto; padding: 8px 24px 48px; }
        h1 { font-size: 24px; margin: 18px 0 12px; }
        h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
        .task-title { word-break: break-all; }
        button { font: inherit; padding: 5px 12px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button:hover { filter: brightness(1.1); }
        input, select { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
        label { display: inline-flex; gap: 6px; align-items: center; color: var(--muted); }
        .filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        .filters .grow { flex: 1; min-width: 220px; }
        .filters .grow input { flex: 1; }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; margin-top: 12px; }
        th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef0f4; color: var(--muted); font-weight: 600; font-size: 13px; }
        tr:last-child td { border-bottom: none; }
        td.prompt { max-width: 340px; overflow-wrap: anywhere; }
        td.id { white-space: nowrap; }
        .num { text-align: right; white-space: nowrap; }
        .status, .state, .outcome, .delivery { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e6e9ef; color: var(--muted); }
        .status-completed, .state-done, .outcome-done, .delivery-delivered { background: #dff3e7; color: var(--ok); }
        .status-processing, .status-pending, .state-running, .state-queued, .outcome-retry, .delivery-pending { background: #fff1d6; color: var(--warn); }
        .status-failed, .status-cancelled, .state-failed, .outcome-failed, .delivery-failed { background: #fbe1df; color: var(--bad); }
        .progress { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
        .progress progress { width: 120px; height: 10px; }
        .progress .bytes { color: var(--muted); font-size: 12px; }
        #download .progress progress { width: 320px; }
        .empty { color: var(--muted); padding: 18px; background: #fff; border: 1px dashed var(--line); border-radius: 8px; }
        .error { color: var(--bad); overflow-wrap: anywhere; }
        .notice { padding: 8px 12px; background: #dff3e7; color: var(--ok); border-radius: 6px; }
        .paging { display: flex; gap: 16px; justify-content: flex-end; margin-top: 12px; }
        .crumbs { color: var(--muted); margin: 14px 0 0; }
        blockquote.prompt { margin: 0 0 16px; padding: 10px 14px; background: #fff; border-left: 4px solid var(--accent); border-radius: 4px; overflow-wrap: anywhere; }
        .columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; align-items: start; }
        .player video { width: 100%; max-height: 480px; background: #000; border-radius: 8px; }
        .no-video { display: flex; align-items: center; justify-content: center; min-height: 200px; background: #e6e9ef; color: var(--muted); border-radius: 8px; }
        .facts dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 6px 14px; margin: 0; padding: 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        .facts dt { color: var(--muted); }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        .hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
        tr.ignored td { color: var(--muted); }
        .deliveries { margin: 0; padding-left: 16px; }
        .sidecar { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow: auto; max-height: 420px; }
        .login { max-width: 420px; margin: 48px auto; padding: 24px; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        .login form { display: flex; flex-direction: column; gap: 12px; }
        .login input { width: 100%; }
        .logout { margin: 0; }
        @media (max-width: 800px) { .columns { grid-template-columns: 1fr; } td.prompt { max-width: none; } }

        """

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2456c7"/><path d="M6 4.5v7l5.5-3.5z" fill="#fff"/></svg>

        """
}
