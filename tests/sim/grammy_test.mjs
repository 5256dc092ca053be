// grammY (a real third-party Bot API client from npm) against tgsim through its apiRoot
// option: long polling, webhooks, forum topics and copies.
// Run: node tests/sim/grammy_test.mjs --tgsim build-sim/tgsim   (exit 77 when grammy is not installed)
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

let grammy;
try {
  grammy = await import("grammy");
} catch {
  console.log("SKIP: grammy is not installed (run npm install --no-audit --no-fund)");
  process.exit(77);
}
const { Bot, GrammyError, webhookCallback } = grammy;

const binaryIndex = process.argv.indexOf("--tgsim");
const TGSIM = binaryIndex > 0 ? process.argv[binaryIndex + 1] : "build/tgsim";

async function waitUntil(predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await predicate();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));  // polling interval of a deadline wait
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

let sim;
let base;

before(async () => {
  sim = spawn(TGSIM, ["--listen", "127.0.0.1:0", "--limits", "off"], { stdio: ["ignore", "pipe", "inherit"] });
  base = await new Promise((resolve, reject) => {
    let seen = "";
    sim.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/tgsim listening on 127\.0\.0\.1:(\d+)/);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    sim.on("exit", (code) => reject(new Error(`tgsim exited with ${code}`)));
    setTimeout(() => reject(new Error("tgsim did not print its port")), 10000);
  });
});

after(() => sim.kill("SIGTERM"));

async function control(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, `${method} ${path}: ${JSON.stringify(answer)}`);
  return answer;
}

let counter = 0;
async function world() {
  counter += 1;
  const user = (await control("POST", "/sim/users", { first_name: "Ann", username: `ann${counter}` })).id;
  const operator = (await control("POST", "/sim/users", { first_name: "Olga" })).id;
  const { id: botId, token } = await control("POST", "/sim/bots", { username: `grammy${counter}_bot` });
  const group = (await control("POST", "/sim/groups", { title: "Support", is_forum: true, owner_id: operator })).id;
  await control("POST", `/sim/groups/${group}/members`, {
    user_id: botId, status: "administrator", rights: { can_manage_topics: true, can_delete_messages: true },
  });
  const bot = new Bot(token, { client: { apiRoot: base } });
  return { user, operator, botId, token, group, bot };
}

const userView = async (w) => (await control("GET", `/sim/chats/${w.botId}/messages?as=${w.user}`)).messages;

test("long polling bot answers commands and text", async () => {
  const w = await world();
  w.bot.command("start", (ctx) => ctx.reply(`Welcome, ${ctx.from.first_name}!`));
  w.bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`, {
    reply_parameters: { message_id: ctx.message.message_id },
  }));
  const running = w.bot.start({ timeout: 5 });
  try {
    await control("POST", "/sim/messages", { from: w.user, chat_id: w.botId, text: "/start" });
    await waitUntil(async () => (await userView(w)).find((m) => m.text === "Welcome, Ann!"), "the welcome");
    await control("POST", "/sim/messages", { from: w.user, chat_id: w.botId, text: "ping" });
    const echo = await waitUntil(async () => (await userView(w)).find((m) => m.text === "echo: ping"), "the echo");
    assert.equal(echo.reply_to_message.text, "ping");
    assert.equal(echo.from.id, w.botId);
  } finally {
    await w.bot.stop();
    await running;
  }
});

test("forum topics and copyMessage through bot.api", async () => {
  const w = await world();
  await control("POST", "/sim/messages", { from: w.user, chat_id: w.botId, text: "I need help" });
  const updates = await w.bot.api.getUpdates({ allowed_updates: ["message"] });
  const update = updates.find((u) => u.message);
  const topic = await w.bot.api.createForumTopic(w.group, "Ann #1");
  assert.equal(topic.name, "Ann #1");
  const copy = await w.bot.api.copyMessage(w.group, update.message.chat.id, update.message.message_id, {
    message_thread_id: topic.message_thread_id,
  });
  assert.deepEqual(Object.keys(copy), ["message_id"]);
  const inTopic = (await control("GET",
    `/sim/chats/${w.group}/messages?as=${w.operator}&thread=${topic.message_thread_id}`)).messages;
  const copied = inTopic.find((m) => m.message_id === copy.message_id);
  assert.equal(copied.text, "I need help");
  assert.equal(copied.reply_to_message.message_id, topic.message_thread_id);
  await assert.rejects(
    w.bot.api.sendMessage(w.group, "x", { message_thread_id: 1 }),
    (err) => err instanceof GrammyError && err.error_code === 400 &&
      err.description === "Bad Request: message thread not found",
  );
  await w.bot.api.closeForumTopic(w.group, topic.message_thread_id);
  await w.bot.api.deleteForumTopic(w.group, topic.message_thread_id);
});

test("webhook delivery with secret token, and 409 against getUpdates", async () => {
  const w = await world();
  const secret = "grammy_secret";
  w.bot.on("message:text", (ctx) => ctx.reply(`hooked: ${ctx.message.text}`));
  const server = createServer(webhookCallback(w.bot, "http", { secretToken: secret }));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await w.bot.init();
    await w.bot.api.setWebhook(`http://127.0.0.1:${server.address().port}/hook`, { secret_token: secret });
    await assert.rejects(w.bot.api.getUpdates(), (err) => err instanceof GrammyError && err.error_code === 409);
    await control("POST", "/sim/messages", { from: w.user, chat_id: w.botId, text: "over the hook" });
    await waitUntil(async () => (await userView(w)).find((m) => m.text === "hooked: over the hook"), "the reply");
    const info = await w.bot.api.getWebhookInfo();
    assert.equal(info.pending_update_count, 0);
  } finally {
    await w.bot.api.deleteWebhook();
    server.close();
  }
});
