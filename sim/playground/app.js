// tgsim playground: end users' chats with a bot (left) and the backend forum group (right),
// side by side and live, with compose boxes to type as any end user or operator.
// Plain modern JS, no build step. Talks only to tgsim's control API (/sim/...) on the same origin.
//
// Stable hooks (tests and docs rely on them; keep them when restyling):
//   #status              connection state ("live" / "offline"), role=status
//   #new-user            button "New end user" (aria-label), creates a user via POST /sim/users
//   #users-pane          left pane
//     #bot-select        <select aria-label="Bot">, value = bot id
//     #user-list         <ul>; items li.chat-item[data-user-id], .active when open
//     #user-chat-head    header of the open chat
//     #user-messages     role=log; messages .msg[data-message-id]
//     #user-compose      <form>; #user-sender <select aria-label="Type as end user">,
//                        input[aria-label="Message to bot"], button[aria-label="Send photo to bot"],
//                        button[aria-label="Send to bot"]
//   #group-pane          right pane
//     #group-select      <select aria-label="Group">, value = group id
//     #topic-list        <ul>; items li.topic-item[data-thread-id] (0 = General), .active, .closed
//     #topic-head        header of the open topic
//     #group-messages    role=log; messages .msg[data-message-id]
//     #group-compose     <form>; #operator-sender <select aria-label="Type as operator">,
//                        input[aria-label="Message to topic"], button[aria-label="Send photo to topic"],
//                        button[aria-label="Send to topic"]
//   Message parts: .msg.own / .msg.other / .msg.service / .msg.continued (same sender as the
//     message above), .bubble, .sender, .quote, .media, .text, .meta .edited, .reactions .reaction, .keyboard; actions .act-reply, .act-react,
//     .act-edit with aria-labels "Reply to message N", "React 👍 to message N", "Edit message N".
//   .empty               an explanatory empty state inside a list or message view.
//   #toast               errors from the control API, role=alert.
"use strict";

const kPollMs = 500;
const kMaxPreviewUsers = 60;      // chat-list previews fetch one chat per user
const kMaxShownMessages = 200;    // a view shows the newest messages only, to stay fast
const kPeerColors = ["#e17076", "#eda86c", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const kStorageKey = "tgsim.playground";
const kReactionEmoji = "👍";
const kNewUserNames = [
  ["Maria", "Garcia"], ["Liam", "Chen"], ["Aisha", "Khan"], ["Jonas", "Berg"], ["Sofia", "Rossi"],
  ["Kenji", "Sato"], ["Emma", "Dubois"], ["Omar", "Haddad"], ["Lena", "Novak"], ["Diego", "Santos"],
];

// ------------------------------------------------------------------ state

const state = {
  version: -1,
  overview: { users: [], bots: [], groups: [] },
  botId: null,
  userId: null,
  groupId: null,
  threadId: null,       // 0 = General (or the whole chat of a non-forum group)
  operatorId: null,
  previews: new Map(),  // user id → last message in the chat with the selected bot
  members: [],          // human members of the selected group (operators)
  topics: [],
  groupMessages: [],    // the whole selected group as the operator sees it
  compose: {
    left: { replyTo: null, editing: null },
    right: { replyTo: null, editing: null },
  },
  rendered: { left: "", right: "" },  // what each message view last showed, to skip re-renders
};

function loadSelection() {
  try {
    const saved = JSON.parse(localStorage.getItem(kStorageKey) || "{}");
    for (const key of ["botId", "userId", "groupId", "threadId", "operatorId"]) {
      if (saved[key] !== undefined) state[key] = saved[key];
    }
  } catch { /* a broken entry just means no saved selection */ }
}

function saveSelection() {
  const { botId, userId, groupId, threadId, operatorId } = state;
  try {
    localStorage.setItem(kStorageKey, JSON.stringify({ botId, userId, groupId, threadId, operatorId }));
  } catch { /* storage may be unavailable; selection is then per page load */ }
}

// ------------------------------------------------------------------ control API

class ApiError extends Error {}

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : {}; } catch { data = { description: text }; }
  if (!response.ok || (data && data.ok === false)) {
    const what = (data && (data.description || data.error)) || `HTTP ${response.status}`;
    throw new ApiError(`${method} ${path.split("?")[0]}: ${what}`);
  }
  return data;
}

const api = {
  version: () => call("GET", "/sim/version"),
  overview: () => call("GET", "/sim/overview"),
  messages: (chatId, asId, thread) =>
    call("GET", `/sim/chats/${chatId}/messages?as=${asId}` + (thread ? `&thread=${thread}` : "")),
  topics: (groupId) => call("GET", `/sim/groups/${groupId}/topics`),
  send: (body) => call("POST", "/sim/messages", body),
  edit: (body) => call("POST", "/sim/messages/edit", body),
  react: (body) => call("POST", "/sim/reactions", body),
  createUser: (body) => call("POST", "/sim/users", body),
};

// ------------------------------------------------------------------ small helpers

const $ = (selector, root = document) => root.querySelector(selector);

// Builds an element: el("div", {class: "x", onclick: f}, child, "text", ...).
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fullName = (who) => [who?.first_name, who?.last_name].filter(Boolean).join(" ") || `id ${who?.id ?? "?"}`;
const peerColor = (id) => kPeerColors[Math.abs(Number(id) || 0) % kPeerColors.length];
const initials = (who) => (fullName(who).split(/\s+/).map((p) => p[0]).join("").slice(0, 2) || "?").toUpperCase();
const iconColor = (value) => (Number.isInteger(value) ? "#" + value.toString(16).padStart(6, "0") : "#8e9aa6");
const sameId = (a, b) => a !== null && b !== null && String(a) === String(b);

function clock(unixSeconds) {
  if (!unixSeconds) return "";
  const date = new Date(unixSeconds * 1000);
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

function avatar(who, extraClass = "") {
  return el("span", { class: `avatar ${extraClass}`, style: `background:${peerColor(who.id)}`, "aria-hidden": "true" },
    initials(who));
}

let toastTimer = 0;
function showError(error) {
  const toast = $("#toast");
  toast.textContent = error instanceof Error ? error.message : String(error);
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
}

function setStatus(live, text) {
  const status = $("#status");
  status.textContent = text;
  status.classList.toggle("live", live);
  status.classList.toggle("offline", !live);
}

function emptyState(title, ...lines) {
  return el("div", { class: "empty" }, el("p", { class: "empty-title" }, title),
    lines.map((line) => (line instanceof Node ? line : el("p", {}, line))));
}

const code = (text) => el("code", {}, text);

// ------------------------------------------------------------------ message content

// What kind of media a message carries, as an icon and a label (placeholders, no file bytes).
function mediaOf(m) {
  if (m.photo) {
    const big = m.photo[m.photo.length - 1] || {};
    return { kind: "photo", icon: "🖼", label: "Photo", detail: big.width ? `${big.width}×${big.height}` : "" };
  }
  if (m.video) return { kind: "video", icon: "🎬", label: "Video", detail: duration(m.video.duration) };
  if (m.animation) return { kind: "animation", icon: "🎞", label: "GIF", detail: "" };
  if (m.video_note) return { kind: "video_note", icon: "⏺", label: "Video message", detail: duration(m.video_note.duration) };
  if (m.voice) return { kind: "voice", icon: "🎤", label: "Voice message", detail: duration(m.voice.duration) };
  if (m.audio) {
    const title = [m.audio.performer, m.audio.title].filter(Boolean).join(" – ");
    return { kind: "audio", icon: "🎵", label: title || m.audio.file_name || "Audio", detail: duration(m.audio.duration) };
  }
  if (m.document) return { kind: "document", icon: "📄", label: m.document.file_name || "Document", detail: m.document.mime_type || "" };
  if (m.sticker) return { kind: "sticker", icon: m.sticker.emoji || "🏷", label: "Sticker", detail: "" };
  if (m.location) return { kind: "location", icon: "📍", label: "Location", detail: `${m.location.latitude}, ${m.location.longitude}` };
  if (m.venue) return { kind: "venue", icon: "📍", label: m.venue.title || "Venue", detail: m.venue.address || "" };
  if (m.contact) {
    return { kind: "contact", icon: "👤", label: fullName(m.contact), detail: m.contact.phone_number || "" };
  }
  if (m.poll) return { kind: "poll", icon: "📊", label: m.poll.question || "Poll", detail: "" };
  if (m.dice) return { kind: "dice", icon: m.dice.emoji || "🎲", label: `Dice: ${m.dice.value}`, detail: "" };
  return null;
}

function duration(seconds) {
  if (!seconds) return "";
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

// A one-line description of a service message, or null for ordinary messages.
function serviceText(m) {
  const who = fullName(m.from);
  if (m.forum_topic_created) return `${who} created the topic “${m.forum_topic_created.name}”`;
  if (m.forum_topic_edited) {
    const edit = m.forum_topic_edited;
    return edit.name ? `${who} renamed the topic to “${edit.name}”` : `${who} changed the topic icon`;
  }
  if (m.forum_topic_closed) return `${who} closed the topic`;
  if (m.forum_topic_reopened) return `${who} reopened the topic`;
  if (m.general_forum_topic_hidden) return `${who} hid the General topic`;
  if (m.general_forum_topic_unhidden) return `${who} showed the General topic`;
  if (m.new_chat_members) return `${who} added ${m.new_chat_members.map(fullName).join(", ")}`;
  if (m.left_chat_member) return `${fullName(m.left_chat_member)} left the group`;
  if (m.pinned_message) return `${who} pinned “${snippet(m.pinned_message)}”`;
  if (m.new_chat_title) return `${who} renamed the group to “${m.new_chat_title}”`;
  if (m.group_chat_created || m.supergroup_chat_created) return `${who} created the group`;
  return null;
}

function snippet(m, length = 80) {
  const media = mediaOf(m);
  const text = m.text || m.caption || (media ? `${media.icon} ${media.label}` : serviceText(m)) || "message";
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

function forwardedFrom(origin) {
  if (!origin) return null;
  if (origin.sender_user) return fullName(origin.sender_user);
  if (origin.sender_user_name) return origin.sender_user_name;
  if (origin.sender_chat) return origin.sender_chat.title || fullName(origin.sender_chat);
  if (origin.chat) return origin.chat.title || fullName(origin.chat);
  return "someone";
}

// Reactions come as [{emoji, user_id?|from?|count?|total_count?}] or Bot API ReactionCount
// ({type: {emoji}, total_count}); grouped here into emoji → count.
function reactionCounts(m) {
  const counts = new Map();
  const list = Array.isArray(m.reactions) ? m.reactions
    : m.reactions && typeof m.reactions === "object" ? Object.values(m.reactions).map((emoji) => ({ emoji })) : [];
  for (const entry of list) {
    const emoji = typeof entry === "string" ? entry : entry.emoji || entry.type?.emoji || "❔";
    const count = Number(entry.count ?? entry.total_count ?? 1) || 1;
    counts.set(emoji, (counts.get(emoji) || 0) + count);
  }
  return counts;
}

// ------------------------------------------------------------------ message rendering

// side: "left" | "right"; viewerId: whose messages count as "own"; previous: the message
// shown just above, so a run of messages from one sender names the sender once.
function renderMessage(m, side, viewerId, previous) {
  const service = serviceText(m);
  if (service && !m.text && !mediaOf(m)) {
    return el("div", { class: "msg service", dataset: { messageId: m.message_id }, id: `${side}-msg-${m.message_id}` },
      el("span", { class: "service-text" }, service));
  }
  const own = sameId(m.from?.id, viewerId);
  const continued = previous && sameId(previous.from?.id, m.from?.id) && !serviceText(previous) &&
    Math.abs((m.date || 0) - (previous.date || 0)) < 600;
  const bubble = el("div", { class: "bubble" });
  if (!own && !continued) {
    bubble.append(el("div", { class: "sender", style: `color:${peerColor(m.from?.id)}` }, fullName(m.from),
      m.from?.is_bot ? el("span", { class: "badge" }, "bot") : null));
  }
  const forwarded = forwardedFrom(m.forward_origin);
  if (forwarded) bubble.append(el("div", { class: "forwarded" }, `Forwarded from ${forwarded}`));
  const quoted = m.reply_to_message;
  // In a topic every message implicitly replies to the topic's first message; that is no quote.
  if (quoted && !(m.is_topic_message && quoted.message_id === m.message_thread_id)) {
    bubble.append(el("button", {
      type: "button", class: "quote", "aria-label": `Go to quoted message ${quoted.message_id}`,
      style: `border-color:${peerColor(quoted.from?.id)}`,
      onclick: () => scrollToMessage(side, quoted.message_id),
    }, el("span", { class: "quote-name", style: `color:${peerColor(quoted.from?.id)}` }, fullName(quoted.from)),
    el("span", { class: "quote-text" }, snippet(quoted))));
  }
  const media = mediaOf(m);
  if (media) {
    bubble.append(el("div", { class: `media media-${media.kind}` },
      el("span", { class: "media-icon", "aria-hidden": "true" }, media.icon),
      el("span", { class: "media-label" }, media.label, media.detail ? el("small", {}, media.detail) : null)));
  }
  const text = m.text ?? m.caption;
  // dir="auto": a line is laid out by its first strong letter, as Telegram's apps do (Persian right to left).
  if (text) bubble.append(el("div", { class: "text", dir: "auto" }, text));
  if (m.reply_markup?.inline_keyboard) bubble.append(renderKeyboard(m.reply_markup.inline_keyboard));
  const counts = reactionCounts(m);
  if (counts.size) {
    bubble.append(el("div", { class: "reactions" }, [...counts].map(([emoji, count]) =>
      el("span", { class: "reaction", title: `${count} × ${emoji}` }, emoji, count > 1 ? el("small", {}, count) : null))));
  }
  bubble.append(el("div", { class: "meta" },
    m.edit_date ? el("span", { class: "edited" }, "edited") : null,
    m.media_group_id ? el("span", { class: "album", title: `album ${m.media_group_id}` }, "album") : null,
    el("time", { datetime: new Date((m.date || 0) * 1000).toISOString() }, clock(m.date))));

  const actions = el("div", { class: "actions" },
    el("button", { type: "button", class: "act-reply", "aria-label": `Reply to message ${m.message_id}`, title: "Reply",
      onclick: () => startReply(side, m) }, "↩"),
    el("button", { type: "button", class: "act-react", "aria-label": `React ${kReactionEmoji} to message ${m.message_id}`,
      title: `React ${kReactionEmoji}`, onclick: () => react(side, m) }, kReactionEmoji),
    own && (m.text !== undefined || m.caption !== undefined)
      ? el("button", { type: "button", class: "act-edit", "aria-label": `Edit message ${m.message_id}`, title: "Edit",
        onclick: () => startEdit(side, m) }, "✎")
      : null);
  return el("div", {
    class: `msg ${own ? "own" : "other"}${continued ? " continued" : ""}`, id: `${side}-msg-${m.message_id}`,
    dataset: { messageId: m.message_id, from: m.from?.id ?? "" },
  }, bubble, actions);
}

function renderKeyboard(rows) {
  return el("div", { class: "keyboard" }, rows.map((row) =>
    el("div", { class: "keyboard-row" }, row.map((button) =>
      el("span", { class: "keyboard-button", title: button.url || button.callback_data || "" }, button.text)))));
}

function scrollToMessage(side, messageId) {
  const target = document.getElementById(`${side}-msg-${messageId}`);
  if (!target) return;
  target.scrollIntoView({ block: "center", behavior: "smooth" });
  target.classList.add("flash");
  setTimeout(() => target.classList.remove("flash"), 1200);
}

// Replaces a message view's content, keeping the reader at the bottom if they were there.
function showMessages(side, container, key, build, forceBottom = false) {
  if (state.rendered[side] === key && !forceBottom) return;
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  const changedView = !state.rendered[side].startsWith(key.split("|")[0] + "|");
  state.rendered[side] = key;
  container.replaceChildren(...build());
  if (nearBottom || changedView || forceBottom) container.scrollTop = container.scrollHeight;
}

// ------------------------------------------------------------------ left pane: users and a bot

function humanUsers() {
  return state.overview.users || [];
}

// Fills a <select> with [value, label] entries; leaves it alone (open or not) when unchanged.
function setOptions(select, entries, emptyLabel, selected) {
  const signature = JSON.stringify([entries, emptyLabel]);
  if (select.dataset.options !== signature) {
    select.dataset.options = signature;
    select.replaceChildren(...(entries.length
      ? entries.map(([value, label]) => el("option", { value }, label))
      : [el("option", { value: "" }, emptyLabel)]));
  }
  select.disabled = !entries.length;
  if (selected !== null && select.value !== String(selected)) select.value = String(selected);
}

function renderBotSelect() {
  const bots = state.overview.bots || [];
  if (!bots.some((b) => sameId(b.id, state.botId))) state.botId = bots[0]?.id ?? null;
  setOptions($("#bot-select"), bots.map((b) => [String(b.id), `@${b.username}${b.first_name ? ` · ${b.first_name}` : ""}`]),
    "no bots yet", state.botId);
}

const isOperator = (user) => state.members.some((m) => sameId(m.id, user.id));

function sortedUsers() {
  // Users who talked to the bot first, most recent on top; then end users; operators last.
  return [...humanUsers()].sort((a, b) => {
    const da = state.previews.get(String(a.id))?.date ?? -1;
    const db = state.previews.get(String(b.id))?.date ?? -1;
    return db - da || Number(isOperator(a)) - Number(isOperator(b)) || Number(a.id) - Number(b.id);
  });
}

function renderUserList() {
  const list = $("#user-list");
  const users = sortedUsers();
  if (!users.some((u) => sameId(u.id, state.userId))) state.userId = users[0]?.id ?? null;
  if (!state.overview.bots?.length) {
    list.replaceChildren(el("li", { class: "empty-item" }, "No bots yet"));
  } else if (!users.length) {
    list.replaceChildren(el("li", { class: "empty-item" }, "No end users yet — click “+ New end user”."));
  } else {
    list.replaceChildren(...users.map((u) => {
      const last = state.previews.get(String(u.id));
      return el("li", { class: `chat-item${sameId(u.id, state.userId) ? " active" : ""}`, dataset: { userId: u.id } },
        el("button", { type: "button", "aria-label": `Open chat of ${fullName(u)}`, onclick: () => selectUser(u.id) },
          avatar(u),
          el("span", { class: "item-main" },
            el("span", { class: "item-top" },
              el("span", { class: "item-title" }, fullName(u)),
              last ? el("time", { class: "item-time" }, clock(last.date)) : null),
            el("span", { class: "item-sub" }, last ? snippet(last, 40)
              : isOperator(u) ? "operator in the group" : u.username ? `@${u.username}` : "no messages yet"))));
    }));
  }
  setOptions($("#user-sender"), humanUsers().map((u) => [String(u.id), fullName(u)]), "nobody yet", state.userId);
}

function renderUserChatHead() {
  const head = $("#user-chat-head");
  const bot = (state.overview.bots || []).find((b) => sameId(b.id, state.botId));
  const user = humanUsers().find((u) => sameId(u.id, state.userId));
  if (!bot || !user) { head.replaceChildren(); return; }
  head.replaceChildren(avatar(bot, "small"), el("div", { class: "head-main" },
    el("div", { class: "head-title" }, `${bot.first_name || bot.username}`, el("span", { class: "badge" }, "bot")),
    el("div", { class: "head-sub" }, `@${bot.username} · as seen by ${fullName(user)}`,
      user.username ? ` (@${user.username})` : "", ` · id ${user.id}`)));
}

async function refreshPreviews() {
  state.previews = new Map();
  if (state.botId === null) return;
  const users = humanUsers().slice(0, kMaxPreviewUsers);
  const answers = await Promise.allSettled(users.map((u) => api.messages(state.botId, u.id)));
  answers.forEach((answer, i) => {
    const messages = answer.status === "fulfilled" ? answer.value.messages || [] : [];
    if (messages.length) state.previews.set(String(users[i].id), messages[messages.length - 1]);
  });
}

async function refreshUserChat(forceBottom = false) {
  const container = $("#user-messages");
  renderUserChatHead();
  if (!state.overview.bots?.length) {
    showMessages("left", container, "no-bots|", () => [emptyState("No bots yet",
      "This side shows end users' private chats with a bot. Create a bot first, e.g.",
      code(`curl -X POST ${location.origin}/sim/bots -H 'Content-Type: application/json' -d '{"username":"helpdesk_bot"}'`),
      "or run the demo (scripts/demo), which sets up a bot, a group and a desk.")]);
    return;
  }
  if (state.userId === null) {
    showMessages("left", container, "no-users|", () => [emptyState("No end users yet",
      "Click “+ New end user” at the top, then type here as that user to write to the bot.")]);
    return;
  }
  let messages = [];
  try {
    messages = (await api.messages(state.botId, state.userId)).messages || [];
  } catch { /* a chat that was never started has no messages yet */ }
  messages = messages.slice(-kMaxShownMessages);
  const key = `${state.botId}:${state.userId}|${JSON.stringify(messages)}`;
  const user = humanUsers().find((u) => sameId(u.id, state.userId));
  showMessages("left", container, key, () => messages.length
    ? messages.map((m, i) => renderMessage(m, "left", state.userId, messages[i - 1]))
    : [emptyState("No messages yet", `Type below as ${fullName(user)} and press Enter — the bot receives it as a private message.`)],
  forceBottom);
}

function selectUser(userId) {
  if (sameId(userId, state.userId)) return;
  state.userId = userId === null || userId === "" ? null : Number(userId);
  state.compose.left = { replyTo: null, editing: null };
  renderComposeBar("left");
  saveSelection();
  renderUserList();
  refreshUserChat().catch(showError);
}

// ------------------------------------------------------------------ right pane: the group

function renderGroupSelect() {
  const select = $("#group-select");
  const groups = state.overview.groups || [];
  if (!groups.some((g) => sameId(g.id, state.groupId))) {
    state.groupId = (groups.find((g) => g.is_forum) || groups[0])?.id ?? null;
  }
  setOptions(select, groups.map((g) => [String(g.id), `${g.title}${g.is_forum ? "" : " (no topics)"}`]),
    "no groups yet", state.groupId);
}

const currentGroup = () => (state.overview.groups || []).find((g) => sameId(g.id, state.groupId)) || null;

// Human members of the group: from the overview when it lists them, otherwise found by asking
// which users may view the group.
async function refreshMembers() {
  const group = currentGroup();
  state.members = [];
  if (!group) return;
  const people = humanUsers();
  if (Array.isArray(group.members)) {
    const ids = new Set(group.members
      .filter((m) => typeof m !== "object" || !["left", "kicked"].includes(m.status))
      .map((m) => String(typeof m === "object" ? m.id ?? m.user_id ?? m.user?.id : m)));
    state.members = people.filter((u) => ids.has(String(u.id)));
    return;
  }
  const candidates = people.slice(0, kMaxPreviewUsers);
  const answers = await Promise.allSettled(candidates.map((u) => api.messages(group.id, u.id)));
  state.members = candidates.filter((_, i) => answers[i].status === "fulfilled");
}

function renderOperatorSelect() {
  if (!state.members.some((u) => sameId(u.id, state.operatorId))) state.operatorId = state.members[0]?.id ?? null;
  setOptions($("#operator-sender"), state.members.map((u) => [String(u.id), fullName(u)]), "no members yet",
    state.operatorId);
}

// Last message per thread (0 = General) of the selected group.
function lastByThread() {
  const last = new Map();
  for (const m of state.groupMessages) last.set(m.is_topic_message ? m.message_thread_id : 0, m);
  return last;
}

async function refreshTopics() {
  const group = currentGroup();
  state.topics = [];
  state.groupMessages = [];
  if (group?.is_forum) {
    try {
      state.topics = (await api.topics(group.id)).topics || [];
    } catch (error) { showError(error); }
  }
  if (group && state.operatorId !== null) {
    try {
      state.groupMessages = (await api.messages(group.id, state.operatorId)).messages || [];
    } catch (error) { showError(error); }
  }
  const last = lastByThread();
  const activity = (t) => last.get(t.message_thread_id)?.message_id ?? 0;  // ids grow with time
  const topics = state.topics.filter((t) => t.message_thread_id !== 1)
    .sort((a, b) => activity(b) - activity(a) || b.message_thread_id - a.message_thread_id);
  const known = [{ message_thread_id: 0, name: group?.is_forum ? "General" : "All messages", general: true }, ...topics];
  if (!known.some((t) => sameId(t.message_thread_id, state.threadId))) {
    state.threadId = (known[1] || known[0]).message_thread_id;  // the most active topic
  }
  const list = $("#topic-list");
  if (!group) {
    list.replaceChildren(el("li", { class: "empty-item" }, "No groups yet"));
    return;
  }
  list.replaceChildren(...known.map((t) => renderTopicItem(t, group, last.get(t.message_thread_id))));
}

// The first letter of a topic name, skipping emoji such as a status marker. Array.from splits by
// code point, so a surrogate pair is never cut in half.
function topicLetter(name) {
  const letter = Array.from(name || "").find((ch) => /[\p{L}\p{N}]/u.test(ch));
  return (letter || "?").toUpperCase();
}

function topicIcon(topic) {
  return topic && !topic.general
    ? el("span", { class: "topic-icon", style: `background:${iconColor(topic.icon_color)}`, "aria-hidden": "true" },
      topicLetter(topic.name))
    : el("span", { class: "topic-icon general", "aria-hidden": "true" }, "#");
}

function renderTopicItem(t, group, last) {
  const sub = last ? `${last.from?.first_name || "?"}: ${snippet(last, 40)}`
    : t.general ? (group.is_forum ? "messages outside topics" : "this group has no topics") : "no messages";
  return el("li", {
    class: `topic-item${sameId(t.message_thread_id, state.threadId) ? " active" : ""}${t.is_closed ? " closed" : ""}`,
    dataset: { threadId: t.message_thread_id },
  }, el("button", {
    type: "button", "aria-label": `Open topic ${t.name}${t.is_closed ? " (closed)" : ""}`,
    onclick: () => selectTopic(t.message_thread_id),
  }, topicIcon(t),
  el("span", { class: "item-main" },
    el("span", { class: "item-top" },
      el("span", { class: "item-title" }, t.name),
      t.is_closed ? el("span", { class: "lock", title: "closed" }, "🔒") : null,
      last ? el("time", { class: "item-time" }, clock(last.date)) : null),
    el("span", { class: "item-sub" }, sub))));
}

const currentTopic = () => state.topics.find((t) => sameId(t.message_thread_id, state.threadId)) || null;

function renderTopicHead() {
  const head = $("#topic-head");
  const group = currentGroup();
  if (!group) { head.replaceChildren(); return; }
  const topic = currentTopic();
  head.replaceChildren(topicIcon(topic),
    el("div", { class: "head-main" },
      el("div", { class: "head-title" }, topic ? topic.name : group.is_forum ? "General" : group.title,
        topic?.is_closed ? el("span", { class: "badge closed" }, "closed") : null),
      el("div", { class: "head-sub" }, `${group.title} · ${group.id}`,
        topic ? ` · thread ${topic.message_thread_id}` : "")));
}

async function refreshGroupChat(forceBottom = false) {
  const container = $("#group-messages");
  const group = currentGroup();
  renderTopicHead();
  if (!group) {
    showMessages("right", container, "no-groups|", () => [emptyState("No backend group yet",
      "This side shows the forum group where the bot opens a topic per end user and operators answer.",
      "Create a forum supergroup, add the bot as an administrator with can_manage_topics and add operators:",
      code(`POST /sim/groups {"title":"Support","is_forum":true,"owner_id":USER}`),
      code(`POST /sim/groups/ID/members {"user_id":BOT,"status":"administrator","rights":{"can_manage_topics":true}}`),
      "or run the demo (scripts/demo), which does all of this.")]);
    return;
  }
  if (state.operatorId === null) {
    showMessages("right", container, `no-operators:${group.id}|`, () => [emptyState("No operators in this group",
      "Operators are the people (not bots) who are members of the group. Add one:",
      code(`POST /sim/groups/${group.id}/members {"user_id":USER,"status":"member"}`))]);
    return;
  }
  const thread = state.threadId || 0;
  const messages = state.groupMessages
    .filter((m) => !group.is_forum || (m.is_topic_message ? m.message_thread_id : 0) === thread)
    .slice(-kMaxShownMessages);
  const key = `${group.id}:${thread}:${state.operatorId}|${JSON.stringify(messages)}`;
  showMessages("right", container, key, () => messages.length
    ? messages.map((m, i) => renderMessage(m, "right", state.operatorId, messages[i - 1]))
    : [emptyState(thread ? "No messages in this topic yet" : "Nothing here yet",
      group.is_forum && !state.topics.length
        ? "Topics appear here when the bot creates them (createForumTopic) — usually when an end user writes to it."
        : "Type below as an operator and press Enter.")],
  forceBottom);
}

function selectTopic(threadId) {
  state.threadId = Number(threadId);
  state.compose.right = { replyTo: null, editing: null };
  renderComposeBar("right");
  saveSelection();
  for (const item of document.querySelectorAll("#topic-list .topic-item")) {
    item.classList.toggle("active", sameId(item.dataset.threadId, state.threadId));
  }
  refreshGroupChat(true).catch(showError);
}

// ------------------------------------------------------------------ composing

function composeForm(side) {
  return side === "left" ? $("#user-compose") : $("#group-compose");
}

function startReply(side, m) {
  state.compose[side] = { replyTo: m, editing: null };
  renderComposeBar(side);
  $(".text", composeForm(side)).focus();
}

function startEdit(side, m) {
  state.compose[side] = { replyTo: null, editing: m };
  renderComposeBar(side);
  const input = $(".text", composeForm(side));
  input.value = m.text ?? m.caption ?? "";
  input.focus();
}

function renderComposeBar(side) {
  const bar = $(".reply-bar", composeForm(side));
  const { replyTo, editing } = state.compose[side];
  const target = replyTo || editing;
  bar.hidden = !target;
  if (!target) { bar.replaceChildren(); return; }
  bar.replaceChildren(
    el("span", { class: "reply-what" }, editing ? "Editing" : `Reply to ${fullName(target.from)}:`),
    el("span", { class: "reply-text" }, snippet(target, 50)),
    el("button", { type: "button", class: "reply-cancel", "aria-label": editing ? "Cancel edit" : "Cancel reply",
      onclick: () => { state.compose[side] = { replyTo: null, editing: null }; renderComposeBar(side); } }, "✕"));
}

// Where a message from this side goes and who sends it; null when nothing is selected.
function target(side) {
  if (side === "left") {
    if (state.botId === null || state.userId === null) return null;
    return { from: state.userId, chat_id: state.botId };
  }
  if (state.groupId === null || state.operatorId === null) return null;
  const out = { from: state.operatorId, chat_id: state.groupId };
  if (state.threadId) out.message_thread_id = state.threadId;
  return out;
}

let photoCounter = 0;

async function submit(side, withPhoto) {
  const form = composeForm(side);
  const input = $(".text", form);
  const where = target(side);
  if (!where) {
    showError(side === "left" ? "Pick a bot and an end user first." : "Pick a group and an operator first.");
    return;
  }
  const text = input.value.trim();
  const { replyTo, editing } = state.compose[side];
  if (!text && !withPhoto) return;
  form.classList.add("busy");
  try {
    if (editing && !withPhoto) {
      const field = editing.text !== undefined ? "text" : "caption";
      await api.edit({ from: where.from, chat_id: where.chat_id, message_id: editing.message_id, [field]: text });
    } else {
      const body = { ...where };
      if (withPhoto) {
        body.photo = `playground-photo-${++photoCounter}.jpg`;
        if (text) body.caption = text;
      } else {
        body.text = text;
      }
      if (replyTo) body.reply_to_message_id = replyTo.message_id;
      await api.send(body);
    }
    input.value = "";
    state.compose[side] = { replyTo: null, editing: null };
    renderComposeBar(side);
    await refresh({ forceBottom: side });
  } catch (error) {
    showError(error);
  } finally {
    form.classList.remove("busy");
  }
}

async function react(side, m) {
  const where = target(side);
  if (!where) return;
  try {
    await api.react({ from: where.from, chat_id: where.chat_id, message_id: m.message_id, emoji: kReactionEmoji });
    await refresh();
  } catch (error) { showError(error); }
}

async function createUser() {
  const taken = new Set(humanUsers().map(fullName));
  const free = kNewUserNames.filter(([first, last]) => !taken.has(`${first} ${last}`));
  const [first, last] = free.length ? free[Math.floor(Math.random() * free.length)]
    : ["User", String(humanUsers().length + 1)];
  try {
    const { id } = await api.createUser({
      first_name: first, last_name: last, username: `${first}_${last}`.toLowerCase(), language_code: "en",
    });
    state.userId = id;
    saveSelection();
    await refresh({ forceBottom: "left" });
  } catch (error) { showError(error); }
}

// ------------------------------------------------------------------ live refresh

let refreshing = null;
let refreshAgain = false;

// Refetches every view; concurrent calls coalesce into one more round.
function refresh(options = {}) {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        await refreshAll(options);
      } while (refreshAgain);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function refreshAll({ forceBottom } = {}) {
  state.overview = await api.overview();
  renderBotSelect();
  renderGroupSelect();
  await Promise.all([refreshPreviews(), refreshMembers().then(renderOperatorSelect)]);
  renderUserList();
  await refreshTopics();
  saveSelection();
  await Promise.all([
    refreshUserChat(forceBottom === "left"),
    refreshGroupChat(forceBottom === "right").catch(showError),
  ]);
}

async function poll() {
  try {
    const { version } = await api.version();
    setStatus(true, `live · v${version}`);
    if (version !== state.version) {
      await refresh();
      state.version = version;  // only once shown, so a failed refresh is retried
    }
  } catch (error) {
    if (error instanceof ApiError) {
      showError(error);
    } else {
      console.error(error);
      setStatus(false, "offline — is tgsim running?");
      state.version = -1;  // refetch everything once it is back
    }
  } finally {
    setTimeout(poll, kPollMs);
  }
}

// ------------------------------------------------------------------ wiring

function wireCompose(side) {
  const form = composeForm(side);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(side, false);
  });
  $(".attach", form).addEventListener("click", () => submit(side, true));
  $(".text", form).addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      state.compose[side] = { replyTo: null, editing: null };
      renderComposeBar(side);
    }
  });
}

function wire() {
  $("#bot-select").addEventListener("change", (event) => {
    state.botId = Number(event.target.value);
    state.compose.left = { replyTo: null, editing: null };
    renderComposeBar("left");
    saveSelection();
    refresh({ forceBottom: "left" }).catch(showError);
  });
  $("#user-sender").addEventListener("change", (event) => selectUser(event.target.value));
  $("#group-select").addEventListener("change", (event) => {
    state.groupId = Number(event.target.value);
    state.threadId = null;
    state.compose.right = { replyTo: null, editing: null };
    renderComposeBar("right");
    saveSelection();
    refresh({ forceBottom: "right" }).catch(showError);
  });
  $("#operator-sender").addEventListener("change", (event) => {
    state.operatorId = Number(event.target.value);
    saveSelection();
    refresh().catch(showError);
  });
  $("#new-user").addEventListener("click", createUser);
  wireCompose("left");
  wireCompose("right");
}

loadSelection();
wire();
poll();
