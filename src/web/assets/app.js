// The dashboard's pages: a small router over the hash (#overview, #dialogs, #dialog/ID, …) and
// one function per page, each reading its JSON under /ui/api/. Every text from the server goes
// into the page as text (textContent), never as HTML.
"use strict";
(() => {
  let session = null;
  const page = document.getElementById("page");

  // ---- helpers -------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "className") node.className = v;
      else if (k === "style") node.style.cssText = v;  // CSSOM: the CSP refuses style attributes
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, options) {
    const response = await fetch(path, { credentials: "same-origin", ...(options || {}) });
    if (response.status === 401) {
      window.location.replace("/ui/");
      throw new Error("signed out");
    }
    const body = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
    if (!response.ok || body.ok === false) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function post(path, data) {
    return api(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf_token },
      body: JSON.stringify(data),
    });
  }

  function when(ms) {
    if (!ms) return "—";
    return new Date(ms).toLocaleString();
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 60) return `${seconds} s`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  }

  function show(title, ...content) {
    page.replaceChildren(el("h1", {}, title), ...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function failure(error) {
    return el("p", { className: "error" }, error.message || String(error));
  }

  function connectionPicker(selected, onChange) {
    if (session.connections.length < 2) return null;
    return el("label", {}, "Connection ",
      el("select", { onchange: (e) => onChange(e.target.value) },
        session.connections.map((c) => el("option", { value: c.id, selected: String(c.id) === String(selected) }, c.name))));
  }

  function statusTag(status) {
    return el("span", { className: `status-${status}` }, status.replace("_", " "));
  }

  // ---- pages ---------------------------------------------------------------------------------
  async function overview(params) {
    const connection = params.get("connection") || (session.connections[0] || {}).id || "";
    const days = params.get("days") || "30";
    const data = await api(`/ui/api/overview?connection=${encodeURIComponent(connection)}&days=${encodeURIComponent(days)}`);
    const r = data.report;
    const t = r.total;
    const figure = (label, value) => el("div", { className: "figure" }, el("div", { className: "value" }, value), el("div", { className: "label" }, label));
    const picker = el("form", { className: "inline", onsubmit: (e) => e.preventDefault() },
      connectionPicker(connection, (id) => { location.hash = `#overview?connection=${id}&days=${days}`; }),
      el("label", {}, "Range ",
        el("select", { onchange: (e) => { location.hash = `#overview?connection=${connection}&days=${e.target.value}`; } },
          ["7", "30", "90", "365"].map((d) => el("option", { value: d, selected: d === days }, `last ${d} days`)))));
    const labels = r.periods.map((p) => p.start.slice(5));
    const bucketNames = Object.keys(t.first_response.buckets || {});
    const operators = el("table", {},
      el("tr", {}, el("th", {}, "Operator"), el("th", {}, "Messages"), el("th", {}, "Dialogs answered"), el("th", {}, "First response (median)")),
      r.operators.map((o) => el("tr", {}, el("td", {}, o.name || String(o.operator_id)), el("td", {}, o.messages),
        el("td", {}, o.dialogs_answered), el("td", {}, duration(o.first_response.median_seconds)))));
    show("Overview",
      picker,
      el("div", { className: "grid" },
        figure("waiting for operators now", data.now.waiting),
        figure("new dialogs", t.new_dialogs),
        figure("closed", t.closed),
        figure("messages in", t.messages_in),
        figure("messages out", t.messages_out),
        figure("first response (median)", duration(t.first_response.median_seconds)),
        figure("first response (p90)", duration(t.first_response.p90_seconds)),
        figure("resolution (median)", duration(t.resolution.median_seconds))),
      el("div", { className: "charts" },
        Charts.bars("Dialogs", labels, [
          { name: "new", values: r.periods.map((p) => p.new_dialogs) },
          { name: "closed", values: r.periods.map((p) => p.closed) }]),
        Charts.bars("Messages", labels, [
          { name: "in", values: r.periods.map((p) => p.messages_in) },
          { name: "out", values: r.periods.map((p) => p.messages_out) }]),
        Charts.bars("First response times", bucketNames, [
          { name: "dialogs", values: bucketNames.map((b) => t.first_response.buckets[b]) }]),
        Charts.heatmap("Messages in by weekday and hour", r.load.map((c) => ({ weekday: c.weekday, hour: c.hour, value: c.messages_in })))),
      el("h2", {}, "Operators"), operators,
      el("p", { className: "muted" }, `${r.connection || "desk"} · ${r.first_day} – ${r.last_day} · ${r.time_zone}`));
  }

  async function dialogs(params) {
    const q = params.get("q") || "", status = params.get("status") || "", label = params.get("label") || "";
    const query = new URLSearchParams({ q, status, label });
    const form = el("form", {
      className: "inline", role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        location.hash = `#dialogs?${new URLSearchParams({ q: f.get("q"), status: f.get("status"), label: f.get("label") })}`;
      },
    },
      el("label", {}, "Search ", el("input", { name: "q", value: q, placeholder: "name, @username, id, label or words of a message", size: 40 })),
      el("label", {}, "Status ", el("select", { name: "status" },
        ["", "user_answered", "support_answered", "closed"].map((s) => el("option", { value: s, selected: s === status }, s ? s.replace("_", " ") : "any")))),
      el("label", {}, "Label ", el("input", { name: "label", value: label, size: 12 })),
      el("button", { type: "submit" }, "Search"));
    const list = await api(`/ui/api/dialogs?${query}`);
    const table = el("table", { id: "dialog-list" },
      el("tr", {}, el("th", {}, "Dialog"), el("th", {}, "Status"), el("th", {}, "Labels"), el("th", {}, "Last message"), el("th", {}, "Topic")),
      list.dialogs.map((d) => el("tr", {},
        el("td", {}, el("a", { href: `#dialog/${d.id}` }, d.name), d.username ? el("span", { className: "muted" }, ` @${d.username}`) : null,
          session.connections.length > 1 ? el("div", { className: "muted" }, d.connection) : null),
        el("td", {}, statusTag(d.status)),
        el("td", {}, d.labels.map((l) => el("span", { className: "tag" }, l))),
        el("td", {}, when(d.last_user_message_at)),
        el("td", {}, d.topic_link ? el("a", { href: d.topic_link, target: "_blank", rel: "noopener" }, "open") : "—"))));
    const parts = [form, table];
    if (list.truncated) parts.push(el("p", { className: "muted" }, "More dialogs match: narrow the search."));
    if (q.trim()) {
      parts.push(el("h2", {}, "Messages"));
      try {
        const found = await api(`/ui/api/search?${new URLSearchParams({ q })}`);
        parts.push(found.messages.length === 0 ? el("p", { className: "muted" }, "No message says that.") :
          el("table", { id: "message-results" },
            el("tr", {}, el("th", {}, "Dialog"), el("th", {}, "From"), el("th", {}, "Message"), el("th", {}, "When")),
            found.messages.map((m) => el("tr", {},
              el("td", {}, el("a", { href: `#dialog/${m.dialog_id}` }, m.dialog_name)),
              el("td", {}, m.sender || m.author), el("td", { className: "found-text" }, m.text), el("td", {}, when(m.at))))));
      } catch (error) {
        parts.push(failure(error));
      }
    }
    show("Dialogs", ...parts);
  }

  async function dialog(id) {
    const data = await api(`/ui/api/dialog?id=${encodeURIComponent(id)}`);
    const d = data.dialog;
    const facts = el("table", {},
      el("tr", {}, el("th", {}, "Status"), el("td", {}, statusTag(d.status))),
      el("tr", {}, el("th", {}, "Connection"), el("td", {}, d.connection)),
      d.user.username ? el("tr", {}, el("th", {}, "Username"), el("td", {}, `@${d.user.username}`)) : null,
      d.user.id ? el("tr", {}, el("th", {}, "User id"), el("td", {}, d.user.id)) : null,
      d.user.language ? el("tr", {}, el("th", {}, "Language"), el("td", {}, d.user.language)) : null,
      d.user.phone ? el("tr", {}, el("th", {}, "Phone"), el("td", {}, d.user.phone)) : null,
      el("tr", {}, el("th", {}, "Labels"), el("td", {}, d.labels.length ? d.labels.map((l) => el("span", { className: "tag" }, l)) : "—")),
      d.link ? el("tr", {}, el("th", {}, "Linked account"), el("td", {}, d.link)) : null,
      Object.entries(d.fields).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))),
      el("tr", {}, el("th", {}, "Topic"), el("td", {}, d.topic_link ? el("a", { href: d.topic_link, target: "_blank", rel: "noopener" }, d.topic_link) : "—")),
      el("tr", {}, el("th", {}, "Opened"), el("td", {}, when(d.created_at))));
    const transcript = el("div", { className: "transcript", id: "transcript" },
      data.transcript.length === 0 ? el("p", { className: "muted" }, "No message recorded yet.") :
        data.transcript.map((m) => el("div", { className: `msg ${m.author}` },
          el("span", { className: "meta" }, `${m.sender || m.author} · ${when(m.at)}${m.edited_at ? " · edited" : ""}`),
          m.text || `[${m.content}]`)));
    show(d.user.name,
      d.identity_hidden ? el("p", { className: "muted" }, "HIDE_INFO: the user's identity is hidden from you.") : null,
      el("div", { className: "card" }, facts),
      el("h2", {}, "Transcript"),
      el("p", {}, "Download: ",
        el("a", { id: "transcript-html", href: `/ui/api/transcript?id=${d.id}&format=html`, download: `dialog-${d.id}.html` }, "HTML page"), " · ",
        el("a", { href: `/ui/api/transcript?id=${d.id}&format=jsonl`, download: `dialog-${d.id}.jsonl` }, "JSON Lines")),
      transcript,
      data.transcript_cut ? el("p", { className: "muted" }, "Only the first messages are shown.") : null);
  }

  async function clients(params) {
    const connection = params.get("connection") || "";
    const form = el("form", { className: "inline", onsubmit: (e) => e.preventDefault() },
      session.connections.length > 1 ? el("label", {}, "Connection ", el("select", { name: "connection" },
        el("option", { value: "" }, "every connection"),
        session.connections.map((c) => el("option", { value: c.id, selected: String(c.id) === connection }, c.name)))) : null,
      el("label", {}, "Segment ", el("input", { name: "segment", placeholder: "e.g. vip and last_message<7d", size: 32 })),
      el("a", {
        id: "clients-download", href: "/ui/api/clients.csv", download: "clients.csv",
        onclick: (e) => {
          const f = new FormData(form);
          const q = new URLSearchParams();
          if (f.get("connection")) q.set("connection", f.get("connection"));
          if (f.get("segment")) q.set("segment", f.get("segment"));
          e.currentTarget.href = `/ui/api/clients.csv?${q}`;
        },
      }, el("button", { type: "button" }, "Download clients.csv")));
    const hidden = session.connections.filter((c) => !c.sees_hidden_info).map((c) => c.name);
    show("Clients", el("p", {}, "One row per client: profile, labels, linked account, fields, first and last contact, dialogs and status."),
      hidden.length ? el("p", { className: "muted" }, `HIDE_INFO: clients of ${hidden.join(", ")} appear under their pseudonyms.`) : null,
      form);
  }

  async function templates() {
    const data = await api("/ui/api/templates");
    const managed = session.connections.filter((c) => c.manages);
    const editor = (t) => el("form", {
      className: "template-edit",
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        try {
          await post("/ui/api/templates", { connection_id: Number(f.get("connection_id")), name: f.get("name"), text: f.get("text") });
          route();
        } catch (error) { e.target.append(failure(error)); }
      },
    },
      t ? el("input", { type: "hidden", name: "connection_id", value: t.connection_id }) :
        el("select", { name: "connection_id" }, managed.map((c) => el("option", { value: c.id }, c.name))),
      t ? el("input", { type: "hidden", name: "name", value: t.name }) : el("input", { name: "name", placeholder: "name", required: true }),
      el("textarea", { name: "text", required: true }, t ? t.text : ""),
      el("button", { type: "submit" }, t ? "Save" : "Add template"));
    const table = el("table", { id: "template-list" },
      el("tr", {}, el("th", {}, "Name"), el("th", {}, "Content"), el("th", {}, "Saved by"), el("th", {}, "")),
      data.templates.map((t) => el("tr", {},
        el("td", {}, t.name, session.connections.length > 1 ? el("div", { className: "muted" }, t.connection) : null),
        el("td", {}, t.editable ? editor(t) : (t.text !== null ? el("div", { className: "msg" }, t.text) : t.parts.join(" · "))),
        el("td", {}, t.saved_by || "—", el("div", { className: "muted" }, when(t.updated_at))),
        el("td", {}, t.editable ? el("button", {
          type: "button", className: "secondary",
          onclick: async () => { await post("/ui/api/templates/delete", { connection_id: t.connection_id, name: t.name }); route(); },
        }, "Delete") : null))));
    show("Templates", table,
      managed.length ? [el("h2", {}, "New template"), editor(null)] :
        el("p", { className: "muted" }, "EXTENSIONS_ALLOWED does not list you: templates are read-only here."));
  }

  async function labels() {
    const data = await api("/ui/api/labels");
    const managed = session.connections.filter((c) => c.manages);
    const table = el("table", { id: "label-list" },
      el("tr", {}, el("th", {}, "Label"), el("th", {}, "Ticker"), el("th", {}, "Sends"), el("th", {}, "Dialogs"), el("th", {}, "")),
      data.labels.map((l) => el("tr", {},
        el("td", {}, el("a", { href: `#dialogs?label=${encodeURIComponent(l.name)}` }, l.name)),
        el("td", {}, l.ticker || "—"), el("td", {}, l.sends || "—"), el("td", {}, l.dialogs),
        el("td", {}, l.editable ? el("form", {
          className: "inline",
          onsubmit: async (e) => {
            e.preventDefault();
            const f = new FormData(e.target);
            try {
              await post("/ui/api/labels", { connection_id: l.connection_id, id: l.id, name: f.get("name"), ticker: f.get("ticker") });
              route();
            } catch (error) { e.target.append(failure(error)); }
          },
        }, el("input", { name: "name", value: l.name, size: 12 }), el("input", { name: "ticker", value: l.ticker, size: 4 }),
        el("button", { type: "submit", className: "secondary" }, "Rename")) : null))));
    const create = managed.length ? el("form", {
      className: "inline", id: "label-new",
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        try {
          await post("/ui/api/labels", { connection_id: Number(f.get("connection_id")), name: f.get("name"), ticker: f.get("ticker") });
          route();
        } catch (error) { e.target.append(failure(error)); }
      },
    },
      el("select", { name: "connection_id" }, managed.map((c) => el("option", { value: c.id }, c.name))),
      el("input", { name: "name", placeholder: "name", required: true }),
      el("input", { name: "ticker", placeholder: "ticker (emoji)", size: 8 }),
      el("button", { type: "submit" }, "Add label")) : el("p", { className: "muted" }, "EXTENSIONS_ALLOWED does not list you: labels are read-only here.");
    show("Labels", table, el("h2", {}, "New label"), create);
  }

  async function broadcasts() {
    const [data, saved] = await Promise.all([api("/ui/api/broadcasts"), api("/ui/api/templates")]);
    const managed = session.connections.filter((c) => c.manages);
    const act = (b, action) => async (e) => {
      try {
        await post("/ui/api/broadcasts/action", { id: b.id, action });
        route();
      } catch (error) { e.target.parentNode.append(failure(error)); }
    };
    const list = data.broadcasts.length === 0 ? el("p", { className: "muted" }, "No broadcast yet.") :
      el("table", { id: "broadcast-list" },
        el("tr", {}, el("th", {}, "#"), el("th", {}, "Recipients"), el("th", {}, "State"), el("th", {}, "Progress"), el("th", {}, "Report"), el("th", {}, "")),
        data.broadcasts.map((b) => el("tr", { "data-broadcast": b.id },
          el("td", {}, b.id), el("td", {}, b.recipients, b.template ? el("div", { className: "muted" }, `template ${b.template}`) : null),
          el("td", { className: "state" }, b.state, el("div", { className: "muted" }, when(b.created_at))),
          el("td", {}, el("div", { className: "progress" }, el("span", { style: `width:${b.total ? (100 * b.finished) / b.total : 0}%` })),
            el("div", { className: "muted" }, `${b.finished}/${b.total} · sent ${b.sent} · failed ${b.failed} · blocked ${b.blocked}`)),
          el("td", {}, b.report ? el("a", { href: `/ui/api/broadcast_report?id=${b.id}`, download: `broadcast-${b.id}.csv` }, "CSV") : "—"),
          el("td", {}, (b.actions || []).map((a) => el("button", { type: "button", className: a === "confirm" ? "" : "secondary", "data-action": a, onclick: act(b, a) }, a))))));
    const templatesOf = (id) => saved.templates.filter((t) => String(t.connection_id) === String(id));
    const templateSelect = el("select", { name: "template", required: true });
    const fillTemplates = (id) => templateSelect.replaceChildren(...templatesOf(id).map((t) => el("option", { value: t.name }, t.name)));
    const create = managed.length === 0 ? el("p", { className: "muted" }, "EXTENSIONS_ALLOWED does not list you: you may follow broadcasts here, not send them.") :
      el("form", {
        className: "inline", id: "broadcast-new",
        onsubmit: async (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          for (const old of e.target.querySelectorAll(".error, .made")) old.remove();
          try {
            const made = await post("/ui/api/broadcasts", { connection_id: Number(f.get("connection_id")), template: f.get("template"), recipients: f.get("recipients") });
            await route();
            page.append(el("p", { className: "made" }, `Broadcast #${made.id}: ${made.recipients} recipient(s)${made.skipped ? `, ${made.skipped} left out` : ""}. Confirm it in the list to send it.`));
          } catch (error) { e.target.append(failure(error)); }
        },
      },
        el("select", { name: "connection_id", onchange: (e) => fillTemplates(e.target.value) }, managed.map((c) => el("option", { value: c.id }, c.name))),
        el("label", {}, "Template ", templateSelect),
        el("label", {}, "Recipients ", el("input", { name: "recipients", value: "all", size: 40, required: true, placeholder: "all, or a segment: label:vip and lang:de" })),
        el("button", { type: "submit" }, "Create"));
    if (managed.length) fillTemplates(managed[0].id);
    show("Broadcasts", list, el("h2", {}, "New broadcast"),
      el("p", { className: "muted" }, "A saved template to everyone or to a segment (the same expressions as /segment). It waits for your confirmation; General is told."),
      create);
  }

  function findings(c) {
    if (!c.findings) return el("div", { className: "findings" }, el("p", { className: "muted" }, "The doctor has not checked this connection yet."));
    return el("div", { className: "findings" },
      el("p", { className: "muted" }, `Checked ${when(c.findings.checked_at)}: ${c.findings.healthy ? "nothing to fix" : "something needs fixing"}.`),
      el("ul", {}, c.findings.items.map((f) => el("li", { className: `finding-${f.level}` },
        el("strong", {}, f.level === "fix" ? "Fix" : f.level === "ok" ? "OK" : "Note"), " ", f.what,
        f.fix ? el("div", { className: "muted" }, `→ ${f.fix}`) : null))));
  }

  async function connections() {
    const data = await api("/ui/api/connections");
    const check = el("button", {
      type: "button", id: "check-now", className: "secondary",
      onclick: async (e) => {
        const before = JSON.stringify(data.connections.map((c) => c.findings && c.findings.checked_at));
        e.target.disabled = true;
        e.target.textContent = "Checking…";
        try {
          await post("/ui/api/connections/check", {});
          for (let i = 0; i < 30; i++) {  // up to 30 s: each check asks Telegram a few questions
            await new Promise((r) => setTimeout(r, 1000));
            const now = await api("/ui/api/connections");
            if (JSON.stringify(now.connections.map((c) => c.findings && c.findings.checked_at)) !== before) break;
          }
          route();
        } catch (error) { e.target.after(failure(error)); }
      },
    }, "Check now");
    show("Connections", el("p", {}, check), data.connections.map((c) => el("section", { className: "card", "data-connection": c.name },
      el("h2", {}, c.name),
      el("p", { className: "muted" }, `${c.mode} · ${c.transport} · @${c.bot_username} · group ${c.group_id}`),
      el("h3", {}, "Doctor"), findings(c),
      el("h3", {}, "Parameters"),
      c.parameters.length === 0 ? el("p", { className: "muted" }, "No parameters: every default applies.") :
        el("table", {}, el("tr", {}, el("th", {}, "Parameter"), el("th", {}, "Value")),
          c.parameters.map((p) => el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.value)))))));
  }

  // ---- routing -------------------------------------------------------------------------------
  async function route() {
    const hash = location.hash.slice(1) || "overview";
    const [path, query] = hash.split("?");
    const params = new URLSearchParams(query || "");
    const [name, arg] = path.split("/");
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === (name === "dialog" ? "dialogs" : name));
    page.setAttribute("data-page", name);
    page.setAttribute("data-loaded", "false");
    try {
      if (name === "overview") await overview(params);
      else if (name === "dialogs") await dialogs(params);
      else if (name === "dialog") await dialog(arg);
      else if (name === "clients") await clients(params);
      else if (name === "templates") await templates();
      else if (name === "labels") await labels();
      else if (name === "broadcasts") await broadcasts();
      else if (name === "connections") await connections();
      else show("Not found", el("p", {}, "No such page."));
    } catch (error) {
      show("Something went wrong", failure(error));
    }
    page.setAttribute("data-loaded", "true");
  }

  async function start() {
    session = await api("/ui/api/session");
    document.getElementById("operator").textContent = session.operator.name;
    document.getElementById("logout").addEventListener("click", async () => {
      await post("/ui/api/logout", {}).catch(() => {});
      window.location.replace("/ui/");
    });
    window.addEventListener("hashchange", route);
    route();
  }

  start();
})();
