// The dashboard's pages: a small router over the hash (#overview, #dialogs, #dialog/ID, …) and
// one function per page, each reading its JSON under /ui/api/. Every text from the server goes
// into the page as text (textContent), never as HTML.
//
// Languages (docs/dashboard.md): the page's texts are the `web.*` keys of a catalogue
// (src/i18n/catalogues/<lang>/web.toml), served by /ui/api/i18n and written with
// t("web.broadcasts.template_named", { name: value }). The language is the one picked in the
// header (kept in localStorage), else the connection's LANGUAGE; numbers and dates are written by
// Intl in that language.
"use strict";
(() => {
  const kLanguageKey = "topicdesk.language";  // localStorage: the language picked in the header
  let session = null;
  let language = "en";
  let direction = "ltr";
  let texts = {};
  let numbers = new Intl.NumberFormat("en");
  let dates = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });
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

  // The text of `key` in the page's language, its {placeholders} filled from `args` (a value is
  // isolated in a right-to-left page, so that a Latin name or a number keeps its own direction).
  function t(key, args) {
    const template = texts[key];
    if (template === undefined) return `[${key}]`;
    return template.replace(/\{\{|\}\}|\{([a-z_]+)\}/g, (match, name) => {
      if (match === "{{") return "{";
      if (match === "}}") return "}";
      if (!args || !(name in args)) return match;
      const value = String(args[name]);
      return direction === "rtl" ? `\u2068${value}\u2069` : value;
    });
  }

  function num(value) {
    return typeof value === "number" ? numbers.format(value) : value;
  }

  async function api(path, options) {
    const headers = { "X-Dashboard-Language": language, ...((options || {}).headers || {}) };
    const response = await fetch(path, { credentials: "same-origin", ...(options || {}), headers });
    if (response.status === 401) {
      window.location.replace(`/ui/?lang=${encodeURIComponent(language)}`);
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
    if (!ms) return t("web.none");
    return dates.format(new Date(ms));
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return t("web.none");
    const unit = (value, name, digits) =>
      new Intl.NumberFormat(language, { style: "unit", unit: name, unitDisplay: "short", maximumFractionDigits: digits }).format(value);
    if (seconds < 60) return unit(seconds, "second", 0);
    if (seconds < 3600) return unit(Math.round(seconds / 60), "minute", 0);
    return unit(seconds / 3600, "hour", 1);
  }

  // A user's Telegram language (a code such as "pt-br") as the page's language names it.
  function languageName(code) {
    try {
      const name = new Intl.DisplayNames([language], { type: "language" }).of(code);
      return name && name !== code ? `${name} (${code})` : code;
    } catch {
      return code;
    }
  }

  // A day of the analytics report ("2026-03-14") as the page's language writes it.
  function day(iso) {
    if (!/^\d{4}-\d\d-\d\d$/.test(iso || "")) return iso;
    const [y, m, d] = iso.split("-").map(Number);
    return new Intl.DateTimeFormat(language, { month: "short", day: "numeric", timeZone: "UTC" }).format(Date.UTC(y, m - 1, d));
  }

  // Monday first, as the analytics report counts weekdays (2024-01-01 was a Monday).
  function weekdays() {
    const format = new Intl.DateTimeFormat(language, { weekday: "short", timeZone: "UTC" });
    return [0, 1, 2, 3, 4, 5, 6].map((i) => format.format(Date.UTC(2024, 0, 1 + i)));
  }

  const kStatusNames = {
    user_answered: "web.status.user_answered", support_answered: "web.status.support_answered", closed: "web.status.closed",
  };
  const kAuthorNames = {
    user: "web.author.user", operator: "web.author.operator", comment: "web.author.comment", intercepted: "web.author.intercepted",
    api: "web.author.api", desk: "web.author.desk", notice: "web.author.notice",
  };
  const kStateNames = {
    confirming: "web.broadcasts.state_name.confirming", scheduled: "web.broadcasts.state_name.scheduled",
    running: "web.broadcasts.state_name.running", paused: "web.broadcasts.state_name.paused",
    cancelled: "web.broadcasts.state_name.cancelled", done: "web.broadcasts.state_name.done",
  };
  const kActionNames = {
    confirm: "web.broadcasts.action.confirm", pause: "web.broadcasts.action.pause",
    resume: "web.broadcasts.action.resume", cancel: "web.broadcasts.action.cancel",
  };
  const kBucketNames = {
    "0-1h": "web.overview.bucket_0_1h", "1-4h": "web.overview.bucket_1_4h", "4-8h": "web.overview.bucket_4_8h",
    "8-24h": "web.overview.bucket_8_24h", "24h+": "web.overview.bucket_24h",
  };
  const kContentNames = {  // what a message without text was (core::ContentKind's names)
    text: "web.content.text", photo: "web.content.photo", video: "web.content.video",
    animation: "web.content.animation", document: "web.content.document", audio: "web.content.audio",
    voice: "web.content.voice", video_note: "web.content.video_note", sticker: "web.content.sticker",
    location: "web.content.location", venue: "web.content.venue", contact: "web.content.contact",
    poll: "web.content.poll", dice: "web.content.dice", story: "web.content.story", game: "web.content.game",
    invoice: "web.content.invoice", other: "web.content.other",
  };
  const named = (names, value) => (names[value] ? t(names[value]) : value);

  function show(title, ...content) {
    page.replaceChildren(el("h1", {}, title), ...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  function failure(error) {
    return el("p", { className: "error" }, error.message || String(error));
  }

  function connectionPicker(selected, onChange) {
    if (session.connections.length < 2) return null;
    return el("label", {}, t("web.connection"), " ",
      el("select", { onchange: (e) => onChange(e.target.value) },
        session.connections.map((c) => el("option", { value: c.id, selected: String(c.id) === String(selected) }, c.name))));
  }

  function statusTag(status) {
    return el("span", { className: `status-${status}`, "data-status": status }, named(kStatusNames, status));
  }

  // ---- pages ---------------------------------------------------------------------------------
  async function overview(params) {
    const connection = params.get("connection") || (session.connections[0] || {}).id || "";
    const days = params.get("days") || "30";
    const data = await api(`/ui/api/overview?connection=${encodeURIComponent(connection)}&days=${encodeURIComponent(days)}`);
    const r = data.report;
    const total = r.total;
    const figure = (label, value) => el("div", { className: "figure" }, el("div", { className: "value" }, num(value)), el("div", { className: "label" }, label));
    const picker = el("form", { className: "inline", onsubmit: (e) => e.preventDefault() },
      connectionPicker(connection, (id) => { location.hash = `#overview?connection=${id}&days=${days}`; }),
      el("label", {}, t("web.overview.range"), " ",
        el("select", { onchange: (e) => { location.hash = `#overview?connection=${connection}&days=${e.target.value}`; } },
          ["7", "30", "90", "365"].map((d) => el("option", { value: d, selected: d === days }, t("web.overview.last_days", { days: num(Number(d)) }))))));
    const labels = r.periods.map((p) => day(p.start));
    const bucketNames = Object.keys(total.first_response.buckets || {});
    const operators = el("table", {},
      el("tr", {}, el("th", {}, t("web.overview.operator")), el("th", {}, t("web.overview.messages")),
        el("th", {}, t("web.overview.dialogs_answered")), el("th", {}, t("web.overview.first_response"))),
      r.operators.map((o) => el("tr", {}, el("td", {}, o.name || String(o.operator_id)), el("td", {}, num(o.messages)),
        el("td", {}, num(o.dialogs_answered)), el("td", {}, duration(o.first_response.median_seconds)))));
    const format = { number: num, weekdays: weekdays() };
    show(t("web.nav.overview"),
      picker,
      el("div", { className: "grid" },
        figure(t("web.overview.waiting_now"), data.now.waiting),
        figure(t("web.overview.new_dialogs"), total.new_dialogs),
        figure(t("web.overview.closed"), total.closed),
        figure(t("web.overview.messages_in"), total.messages_in),
        figure(t("web.overview.messages_out"), total.messages_out),
        figure(t("web.overview.first_response_median"), duration(total.first_response.median_seconds)),
        figure(t("web.overview.first_response_p90"), duration(total.first_response.p90_seconds)),
        figure(t("web.overview.resolution_median"), duration(total.resolution.median_seconds))),
      el("div", { className: "charts" },
        Charts.bars(t("web.overview.chart_dialogs"), labels, [
          { name: t("web.overview.series_new"), values: r.periods.map((p) => p.new_dialogs) },
          { name: t("web.overview.series_closed"), values: r.periods.map((p) => p.closed) }], format),
        Charts.bars(t("web.overview.chart_messages"), labels, [
          { name: t("web.overview.series_in"), values: r.periods.map((p) => p.messages_in) },
          { name: t("web.overview.series_out"), values: r.periods.map((p) => p.messages_out) }], format),
        Charts.bars(t("web.overview.chart_first_response"), bucketNames.map((b) => named(kBucketNames, b)), [
          { name: t("web.overview.series_dialogs"), values: bucketNames.map((b) => total.first_response.buckets[b]) }], format),
        Charts.heatmap(t("web.overview.chart_load"), r.load.map((c) => ({ weekday: c.weekday, hour: c.hour, value: c.messages_in })), format)),
      el("h2", {}, t("web.overview.operators")), operators,
      el("p", { className: "muted" }, t("web.overview.footer", {
        connection: r.connection || t("web.overview.desk"), from: r.first_day ? day(r.first_day) : "", to: r.last_day ? day(r.last_day) : "",
        time_zone: r.time_zone,
      })));
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
      el("label", {}, t("web.dialogs.search"), " ", el("input", { name: "q", value: q, placeholder: t("web.dialogs.search_placeholder"), size: 40 })),
      el("label", {}, t("web.dialogs.status"), " ", el("select", { name: "status" },
        ["", "user_answered", "support_answered", "closed"].map((s) => el("option", { value: s, selected: s === status }, s ? named(kStatusNames, s) : t("web.status.any"))))),
      el("label", {}, t("web.dialogs.label"), " ", el("input", { name: "label", value: label, size: 12 })),
      el("button", { type: "submit" }, t("web.dialogs.search")));
    const list = await api(`/ui/api/dialogs?${query}`);
    const table = el("table", { id: "dialog-list" },
      el("tr", {}, el("th", {}, t("web.dialogs.dialog")), el("th", {}, t("web.dialogs.status")), el("th", {}, t("web.dialogs.labels")),
        el("th", {}, t("web.dialogs.last_message")), el("th", {}, t("web.dialogs.topic"))),
      list.dialogs.map((d) => el("tr", {},
        el("td", {}, el("a", { href: `#dialog/${d.id}` }, d.name), d.username ? el("span", { className: "muted" }, " ", el("bdi", {}, `@${d.username}`)) : null,
          session.connections.length > 1 ? el("div", { className: "muted" }, d.connection) : null),
        el("td", {}, statusTag(d.status)),
        el("td", {}, d.labels.map((l) => el("span", { className: "tag" }, l))),
        el("td", {}, when(d.last_user_message_at)),
        el("td", {}, d.topic_link ? el("a", { href: d.topic_link, target: "_blank", rel: "noopener" }, t("web.dialogs.open")) : t("web.none")))));
    const parts = [form, table];
    if (list.truncated) parts.push(el("p", { className: "muted" }, t("web.dialogs.more_match")));
    if (q.trim()) {
      parts.push(el("h2", {}, t("web.dialogs.messages")));
      try {
        const found = await api(`/ui/api/search?${new URLSearchParams({ q })}`);
        parts.push(found.messages.length === 0 ? el("p", { className: "muted" }, t("web.dialogs.no_message_says")) :
          el("table", { id: "message-results" },
            el("tr", {}, el("th", {}, t("web.dialogs.dialog")), el("th", {}, t("web.dialogs.from")), el("th", {}, t("web.dialogs.message")),
              el("th", {}, t("web.dialogs.when"))),
            found.messages.map((m) => el("tr", {},
              el("td", {}, el("a", { href: `#dialog/${m.dialog_id}` }, m.dialog_name)),
              el("td", {}, m.sender || named(kAuthorNames, m.author)), el("td", { className: "found-text", dir: "auto" }, m.text), el("td", {}, when(m.at))))));
      } catch (error) {
        parts.push(failure(error));
      }
    }
    show(t("web.nav.dialogs"), ...parts);
  }

  async function dialog(id) {
    const data = await api(`/ui/api/dialog?id=${encodeURIComponent(id)}`);
    const d = data.dialog;
    const row = (label, value) => el("tr", {}, el("th", {}, label), el("td", {}, value));
    const facts = el("table", {},
      row(t("web.dialog.status"), statusTag(d.status)),
      row(t("web.dialog.connection"), d.connection),
      d.user.username ? row(t("web.dialog.username"), el("bdi", {}, `@${d.user.username}`)) : null,
      d.user.id ? row(t("web.dialog.user_id"), el("bdi", {}, String(d.user.id))) : null,
      d.user.language ? row(t("web.dialog.language"), languageName(d.user.language)) : null,
      d.user.phone ? row(t("web.dialog.phone"), el("bdi", {}, d.user.phone)) : null,
      row(t("web.dialog.labels"), d.labels.length ? d.labels.map((l) => el("span", { className: "tag" }, l)) : t("web.none")),
      d.link ? row(t("web.dialog.linked_account"), el("bdi", {}, d.link)) : null,
      Object.entries(d.fields).map(([k, v]) => row(k, v)),
      row(t("web.dialog.topic"), d.topic_link ? el("a", { href: d.topic_link, target: "_blank", rel: "noopener" }, el("bdi", {}, d.topic_link)) : t("web.none")),
      row(t("web.dialog.opened"), when(d.created_at)));
    const transcript = el("div", { className: "transcript", id: "transcript" },
      data.transcript.length === 0 ? el("p", { className: "muted" }, t("web.dialog.no_message")) :
        data.transcript.map((m) => el("div", { className: `msg ${m.author}` },
          el("span", { className: "meta" }, el("bdi", {}, m.sender || named(kAuthorNames, m.author)), ` · ${when(m.at)}`,
            m.edited_at ? ` · ${t("web.dialog.edited")}` : null),
          el("div", { dir: "auto" }, m.text || `[${named(kContentNames, m.content)}]`))));
    show(d.user.name,
      d.identity_hidden ? el("p", { className: "muted" }, t("web.dialog.identity_hidden")) : null,
      el("div", { className: "card" }, facts),
      el("h2", {}, t("web.dialog.transcript")),
      el("p", {}, t("web.dialog.download"), " ",
        el("a", { id: "transcript-html", href: `/ui/api/transcript?id=${d.id}&format=html`, download: `dialog-${d.id}.html` }, t("web.dialog.html_page")), " · ",
        el("a", { href: `/ui/api/transcript?id=${d.id}&format=jsonl`, download: `dialog-${d.id}.jsonl` }, t("web.dialog.json_lines"))),
      transcript,
      data.transcript_cut ? el("p", { className: "muted" }, t("web.dialog.transcript_cut")) : null);
  }

  async function clients(params) {
    const connection = params.get("connection") || "";
    const form = el("form", { className: "inline", onsubmit: (e) => e.preventDefault() },
      session.connections.length > 1 ? el("label", {}, t("web.connection"), " ", el("select", { name: "connection" },
        el("option", { value: "" }, t("web.every_connection")),
        session.connections.map((c) => el("option", { value: c.id, selected: String(c.id) === connection }, c.name)))) : null,
      el("label", {}, t("web.clients.segment"), " ", el("input", { name: "segment", placeholder: t("web.clients.segment_placeholder"), size: 32, dir: "ltr" })),
      el("a", {
        id: "clients-download", href: "/ui/api/clients.csv", download: "clients.csv",
        onclick: (e) => {
          const f = new FormData(form);
          const q = new URLSearchParams();
          if (f.get("connection")) q.set("connection", f.get("connection"));
          if (f.get("segment")) q.set("segment", f.get("segment"));
          e.currentTarget.href = `/ui/api/clients.csv?${q}`;
        },
      }, el("button", { type: "button" }, t("web.clients.download"))));
    const hidden = session.connections.filter((c) => !c.sees_hidden_info).map((c) => c.name);
    show(t("web.nav.clients"), el("p", {}, t("web.clients.about")),
      hidden.length ? el("p", { className: "muted" }, t("web.clients.pseudonyms", { connections: hidden.join(", ") })) : null,
      form);
  }

  async function templates() {
    const data = await api("/ui/api/templates");
    const managed = session.connections.filter((c) => c.manages);
    const editor = (tpl) => el("form", {
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
      tpl ? el("input", { type: "hidden", name: "connection_id", value: tpl.connection_id }) :
        el("select", { name: "connection_id" }, managed.map((c) => el("option", { value: c.id }, c.name))),
      tpl ? el("input", { type: "hidden", name: "name", value: tpl.name }) :
        el("input", { name: "name", placeholder: t("web.templates.name_placeholder"), required: true }),
      el("textarea", { name: "text", required: true, dir: "auto" }, tpl ? tpl.text : ""),
      el("button", { type: "submit" }, tpl ? t("web.templates.save") : t("web.templates.add")));
    const table = el("table", { id: "template-list" },
      el("tr", {}, el("th", {}, t("web.templates.name")), el("th", {}, t("web.templates.content")), el("th", {}, t("web.templates.saved_by")), el("th", {}, "")),
      data.templates.map((tpl) => el("tr", {},
        el("td", {}, tpl.name, session.connections.length > 1 ? el("div", { className: "muted" }, tpl.connection) : null),
        el("td", {}, tpl.editable ? editor(tpl) : (tpl.text !== null ? el("div", { className: "msg", dir: "auto" }, tpl.text) : tpl.parts.join(" · "))),
        el("td", {}, tpl.saved_by || t("web.none"), el("div", { className: "muted" }, when(tpl.updated_at))),
        el("td", {}, tpl.editable ? el("button", {
          type: "button", className: "secondary",
          onclick: async () => { await post("/ui/api/templates/delete", { connection_id: tpl.connection_id, name: tpl.name }); route(); },
        }, t("web.templates.delete")) : null))));
    show(t("web.nav.templates"), table,
      managed.length ? [el("h2", {}, t("web.templates.new")), editor(null)] :
        el("p", { className: "muted" }, t("web.templates.read_only")));
  }

  async function labels() {
    const data = await api("/ui/api/labels");
    const managed = session.connections.filter((c) => c.manages);
    const table = el("table", { id: "label-list" },
      el("tr", {}, el("th", {}, t("web.labels.label")), el("th", {}, t("web.labels.ticker")), el("th", {}, t("web.labels.sends")),
        el("th", {}, t("web.labels.dialogs")), el("th", {}, "")),
      data.labels.map((l) => el("tr", {},
        el("td", {}, el("a", { href: `#dialogs?label=${encodeURIComponent(l.name)}` }, l.name)),
        el("td", {}, l.ticker || t("web.none")), el("td", {}, l.sends || t("web.none")), el("td", {}, num(l.dialogs)),
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
        el("button", { type: "submit", className: "secondary" }, t("web.labels.rename"))) : null))));
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
      el("input", { name: "name", placeholder: t("web.labels.name_placeholder"), required: true }),
      el("input", { name: "ticker", placeholder: t("web.labels.ticker_placeholder"), size: 8 }),
      el("button", { type: "submit" }, t("web.labels.add"))) : el("p", { className: "muted" }, t("web.labels.read_only"));
    show(t("web.nav.labels"), table, el("h2", {}, t("web.labels.new")), create);
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
    const list = data.broadcasts.length === 0 ? el("p", { className: "muted" }, t("web.broadcasts.none")) :
      el("table", { id: "broadcast-list" },
        el("tr", {}, el("th", {}, "#"), el("th", {}, t("web.broadcasts.recipients")), el("th", {}, t("web.broadcasts.state")),
          el("th", {}, t("web.broadcasts.progress")), el("th", {}, t("web.broadcasts.report")), el("th", {}, "")),
        data.broadcasts.map((b) => el("tr", { "data-broadcast": b.id },
          el("td", {}, num(b.id)), el("td", {}, el("bdi", {}, b.recipients),
            b.template ? el("div", { className: "muted" }, t("web.broadcasts.template_named", { name: b.template })) : null),
          el("td", { className: "state", "data-state": b.state }, named(kStateNames, b.state), el("div", { className: "muted" }, when(b.created_at))),
          el("td", {}, el("div", { className: "progress" }, el("span", { style: `width:${b.total ? (100 * b.finished) / b.total : 0}%` })),
            el("div", { className: "muted" }, t("web.broadcasts.counts", {
              finished: num(b.finished), total: num(b.total), sent: num(b.sent), failed: num(b.failed), blocked: num(b.blocked),
            }))),
          el("td", {}, b.report ? el("a", { href: `/ui/api/broadcast_report?id=${b.id}`, download: `broadcast-${b.id}.csv` }, "CSV") : t("web.none")),
          el("td", {}, (b.actions || []).map((a) => el("button", {
            type: "button", className: a === "confirm" ? "" : "secondary", "data-action": a, onclick: act(b, a),
          }, named(kActionNames, a)))))));
    const templatesOf = (id) => saved.templates.filter((tpl) => String(tpl.connection_id) === String(id));
    const templateSelect = el("select", { name: "template", required: true });
    const fillTemplates = (id) => templateSelect.replaceChildren(...templatesOf(id).map((tpl) => el("option", { value: tpl.name }, tpl.name)));
    const create = managed.length === 0 ? el("p", { className: "muted" }, t("web.broadcasts.read_only")) :
      el("form", {
        className: "inline", id: "broadcast-new",
        onsubmit: async (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          for (const old of e.target.querySelectorAll(".error, .made")) old.remove();
          try {
            const made = await post("/ui/api/broadcasts", { connection_id: Number(f.get("connection_id")), template: f.get("template"), recipients: f.get("recipients") });
            await route();
            const args = { id: num(made.id), recipients: num(made.recipients), skipped: num(made.skipped) };
            page.append(el("p", { className: "made", "data-recipients": made.recipients },
              made.skipped ? t("web.broadcasts.made_skipped", args) : t("web.broadcasts.made", args)));
          } catch (error) { e.target.append(failure(error)); }
        },
      },
        el("select", { name: "connection_id", onchange: (e) => fillTemplates(e.target.value) }, managed.map((c) => el("option", { value: c.id }, c.name))),
        el("label", {}, t("web.broadcasts.template"), " ", templateSelect),
        el("label", {}, t("web.broadcasts.recipients"), " ", el("input", {
          name: "recipients", value: "all", size: 40, required: true, dir: "ltr", placeholder: t("web.broadcasts.recipients_placeholder"),
        })),
        el("button", { type: "submit" }, t("web.broadcasts.create")));
    if (managed.length) fillTemplates(managed[0].id);
    show(t("web.nav.broadcasts"), list, el("h2", {}, t("web.broadcasts.new")),
      el("p", { className: "muted" }, t("web.broadcasts.about")),
      create);
  }

  function findings(c) {
    if (!c.findings) return el("div", { className: "findings" }, el("p", { className: "muted" }, t("web.connections.not_checked")));
    const level = { fix: "web.connections.level_fix", ok: "web.connections.level_ok", note: "web.connections.level_note" };
    return el("div", { className: "findings" },
      el("p", { className: "muted" }, t(c.findings.healthy ? "web.connections.checked_healthy" : "web.connections.checked_unhealthy",
        { when: when(c.findings.checked_at) })),
      el("ul", {}, c.findings.items.map((f) => el("li", { className: `finding-${f.level}` },
        el("strong", {}, named(level, f.level)), " ", f.what,
        f.fix ? el("div", { className: "muted" }, `→ ${f.fix}`) : null))));
  }

  async function connections() {
    const data = await api("/ui/api/connections");
    const check = el("button", {
      type: "button", id: "check-now", className: "secondary",
      onclick: async (e) => {
        const before = JSON.stringify(data.connections.map((c) => c.findings && c.findings.checked_at));
        e.target.disabled = true;
        e.target.textContent = t("web.connections.checking");
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
    }, t("web.connections.check_now"));
    show(t("web.nav.connections"), el("p", {}, check), data.connections.map((c) => el("section", { className: "card", "data-connection": c.name },
      el("h2", {}, c.name),
      el("p", { className: "muted" }, el("bdi", {}, `${c.mode} · ${c.transport} · @${c.bot_username}`), " · ",
        t("web.connections.group", { id: c.group_id })),
      el("h3", {}, t("web.connections.doctor")), findings(c),
      el("h3", {}, t("web.connections.parameters")),
      c.parameters.length === 0 ? el("p", { className: "muted" }, t("web.connections.no_parameters")) :
        el("table", {}, el("tr", {}, el("th", {}, t("web.connections.parameter")), el("th", {}, t("web.connections.value"))),
          c.parameters.map((p) => el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", { dir: "auto" }, p.value)))))));
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
      else show(t("web.not_found_title"), el("p", {}, t("web.not_found")));
    } catch (error) {
      show(t("web.loading_failed"), failure(error));
    }
    page.setAttribute("data-loaded", "true");
  }

  // ---- language ------------------------------------------------------------------------------
  function stored() {
    try { return window.localStorage.getItem(kLanguageKey); } catch { return null; }
  }

  // Loads the texts of `wanted` (a catalogue's code) and writes the page's fixed texts in it:
  // <html lang dir>, the title and every element that names its key in data-i18n.
  async function useLanguage(wanted) {
    const answer = await api(`/ui/api/i18n?lang=${encodeURIComponent(wanted)}`);
    language = answer.language;
    direction = answer.direction;
    texts = answer.texts;
    numbers = new Intl.NumberFormat(language);
    dates = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "medium" });
    document.documentElement.lang = language;
    document.documentElement.dir = direction;
    document.title = t("web.title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    document.getElementById("language").value = language;
  }

  function languagePicker() {
    const picker = document.getElementById("language");
    picker.replaceChildren(...session.languages.map((l) => el("option", { value: l.code, lang: l.code, dir: l.direction }, l.name)));
    picker.addEventListener("change", async () => {
      try { window.localStorage.setItem(kLanguageKey, picker.value); } catch { /* private mode: for this visit only */ }
      await useLanguage(picker.value);
      await route();
    });
  }

  async function start() {
    try {
      session = await api("/ui/api/session");
      const known = (code) => session.languages.some((l) => l.code === code);
      const remembered = stored();
      language = remembered && known(remembered) ? remembered : session.language;
      languagePicker();
      await useLanguage(language);
    } finally {
      document.body.classList.remove("loading");
    }
    document.getElementById("operator").textContent = session.operator.name;
    document.getElementById("logout").addEventListener("click", async () => {
      await post("/ui/api/logout", {}).catch(() => {});
      window.location.replace(`/ui/?lang=${encodeURIComponent(language)}`);
    });
    window.addEventListener("hashchange", route);
    route();
  }

  start();
})();
