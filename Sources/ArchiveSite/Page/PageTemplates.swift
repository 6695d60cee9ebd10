/// The page's Mustache templates, kept in the binary: one file to deploy. Every value is
/// written with `{{name}}`, which escapes it for HTML; no triple mustache, no inline
/// script or style (the Content-Security-Policy forbids both): the look is
/// `/static/archive.css`, the live progress `/static/archive.js`.
enum PageTemplates {
    static let all: [String: String] = [
        "header": header, "footer": footer, "progress": progress, "list": list, "task": task, "login": login,
        "problem": problem,
    ]

    static let header = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · videohookd</title>
        <link rel="stylesheet" href="/static/archive.css">
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
        <script src="/static/archive.js" defer></script>
        </head>
        <body>
        <header class="bar">
        <a class="brand" href="/">videohookd archive</a>
        {{#showLogout}}<form class="logout" method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit">Log out</button></form>{{/showLogout}}
        </header>
        <main>

        """

    static let footer = """
        </main>
        </body>
        </html>

        """

    static let list = """
        {{> header}}
        <h1>Tasks</h1>
        <form class="filters" method="get" action="/">
        <label>Status <select name="status">{{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusOptions}}</select></label>
        <label>Day (UTC) <input type="date" name="day" value="{{day}}"></label>
        <label class="grow">Search <input type="search" name="q" value="{{search}}" placeholder="task id or prompt" maxlength="200"></label>
        <button type="submit">Filter</button>
        {{#filtered}}<a class="clear" href="/">Clear</a>{{/filtered}}
        </form>
        {{#hasRows}}
        <table class="tasks" id="tasks">
        <thead><tr><th>Task</th><th>Status</th><th>Created</th><th>Prompt</th><th>Length</th><th>Size</th><th>Download</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr class="task" data-task-id="{{id}}">
        <td class="id"><a href="{{href}}">{{id}}</a></td>
        <td><span class="status status-{{status}}">{{status}}</span></td>
        <td class="time">{{created}}</td>
        <td class="prompt">{{prompt}}</td>
        <td class="num">{{length}}</td>
        <td class="num">{{size}}</td>
        <td class="download">{{#download}}{{> progress}}{{/download}}</td>
        </tr>
        {{/rows}}
        </tbody>
        </table>
        {{/hasRows}}
        {{^hasRows}}
        <p class="empty" id="empty">{{#emptyArchive}}No task yet: the archive fills as callbacks arrive.{{/emptyArchive}}{{^emptyArchive}}No task matches these filters.{{/emptyArchive}}</p>
        {{/hasRows}}
        {{#hasPaging}}
        <nav class="paging">
        {{#firstHref}}<a id="first-page" href="{{firstHref}}">« First page</a>{{/firstHref}}
        {{#previousHref}}<a id="previous-page" href="{{previousHref}}">‹ Previous</a>{{/previousHref}}
        {{#nextHref}}<a id="next-page" href="{{nextHref}}">Next ›</a>{{/nextHref}}
        </nav>
        {{/hasPaging}}
        {{> footer}}
        """

    /// A download's state, and its bar while it is queued or runs (the script follows those).
    static let progress = """
        <div class="progress{{#live}} live{{/live}}" data-task-id="{{taskID}}">
        <span class="state state-{{state}}">{{state}}</span>
        {{#live}}<progress max="100"{{#percent}} value="{{.}}"{{/percent}}>{{percentText}}</progress>{{/live}}
        <span class="bytes">{{bytesText}}</span>
        </div>
        """

    static let task = """
        {{> header}}
        <p class="crumbs"><a href="/">Tasks</a> › {{id}}</p>
        <h1 class="task-title">{{id}} <span class="status status-{{status}}">{{status}}</span></h1>
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        {{#prompt}}<blockquote class="prompt" id="prompt">{{prompt}}</blockquote>{{/prompt}}
        <div class="columns">
        <section class="player">
        {{#videoSource}}
        <video id="player" controls preload="metadata" src="{{videoSource}}"{{#posterSource}} poster="{{posterSource}}"{{/posterSource}}>Your browser cannot play this video; <a href="{{videoSource}}">download it</a>.</video>
        {{/videoSource}}
        {{^videoSource}}<div class="no-video">{{#download}}The video is not archived yet.{{/download}}{{^download}}No video: the task has not completed.{{/download}}</div>{{/videoSource}}
        </section>
        <section class="facts">
        <dl>{{#facts}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/facts}}</dl>
        </section>
        </div>

        <h2>Download</h2>
        {{#download}}
        <div id="download">{{> progress}}</div>
        {{#lastError}}<p class="error" id="download-error">Last error: {{lastError}}</p>{{/lastError}}
        {{#failed}}<form method="post" action="{{retryHref}}" id="retry-form"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit" id="retry">Retry the download</button></form>{{/failed}}
        {{/download}}
        {{^download}}<p class="empty">No download: only a completed task has one.</p>{{/download}}
        {{#sourceURL}}<p class="source">From <code>{{sourceURL}}</code></p>{{/sourceURL}}
        {{#hasAttempts}}
        <table class="attempts" id="attempts">
        <thead><tr><th>#</th><th>Ended</th><th>Outcome</th><th>Bytes</th><th>Reason</th></tr></thead>
        <tbody>{{#attempts}}<tr><td>{{number}}</td><td class="time">{{time}}</td><td><span class="outcome outcome-{{outcome}}">{{outcome}}</span></td><td class="num">{{bytes}}</td><td>{{reason}}</td></tr>{{/attempts}}</tbody>
        </table>
        {{/hasAttempts}}

        <h2>Timeline</h2>
        {{#verification}}<p class="verification" id="verification">Verification: <strong>{{verification}}</strong>{{#verificationNote}}: {{verificationNote}}{{/verificationNote}}</p>{{/verification}}
        {{#hasEvents}}
        <table class="events" id="events">
        <thead><tr><th>First seen</th><th>Status</th><th>Progress</th><th>Duplicates</th><th>Last seen</th><th>Peer</th></tr></thead>
        <tbody>{{#events}}<tr class="event{{#ignored}} ignored{{/ignored}}"><td class="time">{{time}}</td><td><span class="status status-{{status}}">{{status}}</span>{{#ignored}} <small>(ignored: the task was further along)</small>{{/ignored}}</td><td class="num">{{progress}}</td><td>{{duplicates}}</td><td class="time">{{lastSeen}}</td><td><code>{{peer}}</code></td></tr>{{/events}}</tbody>
        </table>
        {{/hasEvents}}
        {{^hasEvents}}<p class="empty">No callback recorded.</p>{{/hasEvents}}

        <h2>Notifications</h2>
        {{#hasNotifications}}
        <table class="notifications" id="notifications">
        <thead><tr><th>Event</th><th>Type</th><th>Created</th><th>Status</th><th>Deliveries</th><th></th></tr></thead>
        <tbody>{{#notifications}}<tr><td><code>{{id}}</code></td><td>{{type}}</td><td class="time">{{time}}</td><td><span class="delivery delivery-{{status}}">{{status}}</span></td>
        <td><ul class="deliveries">{{#deliveries}}<li><code>{{target}}</code>: {{state}}, {{attempts}} attempt(s){{#lastError}} <span class="error">{{lastError}}</span>{{/lastError}}</li>{{/deliveries}}{{^deliveries}}<li>no target</li>{{/deliveries}}</ul></td>
        <td><form method="post" action="{{replayHref}}" class="replay"><input type="hidden" name="csrf_token" value="{{csrfToken}}"><button type="submit">Replay</button></form></td></tr>{{/notifications}}</tbody>
        </table>
        {{/hasNotifications}}
        {{^hasNotifications}}<p class="empty">No notification event.</p>{{/hasNotifications}}

        <h2>Sidecar</h2>
        {{#sidecar}}<pre class="sidecar" id="sidecar">{{sidecar}}</pre>{{/sidecar}}
        {{#sidecarNote}}<p class="empty">{{sidecarNote}}</p>{{/sidecarNote}}
        {{^sidecar}}{{^sidecarNote}}<p class="empty">No sidecar until the video is archived.</p>{{/sidecarNote}}{{/sidecar}}
        {{> footer}}
        """

    static let login = """
        {{> header}}
        <section class="login">
        <h1>Log in</h1>
        <p>This archive asks for the daemon's admin token (<code>admin.token</code> or <code>admin.token_file</code>).</p>
        {{#message}}<p class="error" id="login-error">{{message}}</p>{{/message}}
        <form method="post" action="/login">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
        <button type="submit">Log in</button>
        </form>
        </section>
        {{> footer}}
        """

    static let problem = """
        {{> header}}
        <h1>{{heading}}</h1>
        <p class="error" id="problem">{{message}}</p>
        <p><a href="/">Back to the tasks</a></p>
        {{> footer}}
        """
}
