// Playground end-to-end test: starts the real tgsim, sets up an end user, a bot and a forum
// group with an operator through the control API, then drives the playground page in headless
// Chromium: an end user writes to the bot (left pane), an operator answers in a topic the bot
// created (right pane), and a screenshot of the result must be a real, non-blank 1280×800 PNG.
//
// usage: node playground_test.mjs <path to tgsim> <output dir for the screenshot>
// exit codes: 0 passed, 1 failed, 77 skipped (playwright-core or chromium missing)
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { check, kChromium, loadChromium } from "./demo_support.mjs";
import { inspectPng } from "./png_check.mjs";

const kStartTimeoutMs = 15_000;
const kUiTimeoutMs = 10_000;
const kTestTimeoutMs = 120_000;
const kMinScreenshotBytes = 20 * 1024;
const kViewport = { width: 1280, height: 800 };

const [tgsimPath, outputDir] = process.argv.slice(2);
if (!tgsimPath || !outputDir) {
  console.error("usage: node playground_test.mjs <tgsim binary> <output dir>");
  process.exit(2);
}

const chromium = await loadChromium();

// ------------------------------------------------------------------ helpers

// Matches an element whose whole text is `text` (Playwright's hasText alone matches substrings).
function exactly(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

// Starts tgsim on a free port and resolves with its base URL once it says it listens.
function startTgsim() {
  const child = spawn(tgsimPath, ["--listen", "127.0.0.1:0", "--limits", "off"], { stdio: ["ignore", "pipe", "pipe"] });
  const output = [];
  child.stderr.on("data", (chunk) => output.push(chunk.toString()));
  const base = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tgsim did not report its port within ${kStartTimeoutMs} ms:\n${output.join("")}`)),
      kStartTimeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tgsim exited early (code ${code}, signal ${signal}):\n${output.join("")}`));
    });
    child.on("error", (error) => { clearTimeout(timer); reject(error); });
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      output.push(line + "\n");
      const match = /tgsim listening on (127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    });
  });
  return { child, base };
}

function makeApi(base) {
  return async function call(method, urlPath, body) {
    const response = await fetch(base + urlPath, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data;
    try { data = JSON.parse(text); } catch { data = text; }
    if (!response.ok || data?.ok === false) {
      throw new Error(`${method} ${urlPath.replace(/bot[^/]+/, "bot<token>")} → ${response.status}: ${text}`);
    }
    return data;
  };
}

// Sets up what the page shows: an end user, a bot, a forum group with the bot as a
// topic-managing admin and an operator, and a topic the bot created for the end user.
async function setUpWorld(call) {
  const ann = (await call("POST", "/sim/users", { first_name: "Ann", last_name: "Lee", username: "ann_lee" })).id;
  const owner = (await call("POST", "/sim/users", { first_name: "Olga", last_name: "Owner" })).id;
  const operator = (await call("POST", "/sim/users", { first_name: "Max", last_name: "Support" })).id;
  const bot = await call("POST", "/sim/bots", { username: "desk_bot", first_name: "Desk" });
  const group = (await call("POST", "/sim/groups", { title: "Support desk", is_forum: true, owner_id: owner })).id;
  await call("POST", `/sim/groups/${group}/members`,
    { user_id: bot.id, status: "administrator", rights: { can_manage_topics: true } });
  await call("POST", `/sim/groups/${group}/members`, { user_id: operator, status: "member" });
  const topic = await call("POST", `/bot${bot.token}/createForumTopic`, { chat_id: group, name: "Ann Lee" });
  const thread = topic.result.message_thread_id;
  check(Number.isInteger(thread) && thread > 1, `createForumTopic returned a thread id (${JSON.stringify(topic)})`);
  return { ann, owner, operator, bot, group, thread };
}

// ------------------------------------------------------------------ the test

let tgsim = null;  // the child process, killed on every way out

async function run() {
  const { child, base: basePromise } = startTgsim();
  tgsim = child;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "playground-chromium-"));
  let context;
  try {
    const base = await basePromise;
    const call = makeApi(base);
    const world = await setUpWorld(call);

    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: kChromium,
      headless: true,
      viewport: kViewport,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    context.setDefaultTimeout(kUiTimeoutMs);
    const page = context.pages()[0] || await context.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(base + "/");

    // ---- left: the end user writes to the bot
    await page.locator(`#bot-select option[value="${world.bot.id}"]`).waitFor({ state: "attached" });
    await page.getByLabel("Bot", { exact: true }).selectOption(String(world.bot.id));
    await page.locator(`#user-sender option[value="${world.ann}"]`).waitFor({ state: "attached" });
    await page.getByLabel("Type as end user").selectOption(String(world.ann));
    const userText = "Hello from the playground, my order is late";
    await page.getByLabel("Message to bot").fill(userText);
    await page.getByLabel("Message to bot").press("Enter");
    await page.locator("#user-messages .msg.own .text", { hasText: exactly(userText) }).waitFor();
    const chat = await call("GET", `/sim/chats/${world.bot.id}/messages?as=${world.ann}`);
    check(chat.messages.some((m) => m.text === userText && m.from.id === world.ann),
      "the text typed in the left pane is in the user's chat with the bot");
    check(await page.getByLabel("Message to bot").inputValue() === "", "the compose box is cleared after sending");

    // ---- left: the 📎 photo button sends a photo placeholder, the typed text as its caption
    const caption = "Photo of the parcel label";
    await page.getByLabel("Message to bot").fill(caption);
    await page.getByLabel("Send photo to bot").click();
    await page.locator("#user-messages .msg.own", { hasText: caption }).locator(".media-photo").waitFor();
    const withPhoto = await call("GET", `/sim/chats/${world.bot.id}/messages?as=${world.ann}`);
    check(withPhoto.messages.some((m) => Array.isArray(m.photo) && m.photo.length > 0 && m.caption === caption),
      "the photo button sent a photo with the typed caption");

    // ---- left: changes made elsewhere show up live, without a reload
    const liveText = "A second message, sent through the control API";
    await call("POST", "/sim/messages", { from: world.ann, chat_id: world.bot.id, text: liveText });
    await page.locator("#user-messages .msg.own .text", { hasText: exactly(liveText) }).waitFor();

    // ---- right: an operator answers in the topic the bot created
    await page.locator(`#group-select option[value="${world.group}"]`).waitFor({ state: "attached" });
    await page.getByLabel("Group", { exact: true }).selectOption(String(world.group));
    await page.getByRole("button", { name: "Open topic Ann Lee" }).click();
    await page.locator("#group-messages .msg.service", { hasText: "created the topic “Ann Lee”" }).waitFor();
    await page.locator(`#operator-sender option[value="${world.operator}"]`).waitFor({ state: "attached" });
    await page.getByLabel("Type as operator").selectOption(String(world.operator));
    const operatorText = "Hi Ann, we are checking your order now";
    await page.getByLabel("Message to topic").fill(operatorText);
    await page.getByLabel("Message to topic").press("Enter");
    await page.locator("#group-messages .msg.own .text", { hasText: exactly(operatorText) }).waitFor();
    const topic = await call("GET", `/sim/chats/${world.group}/messages?as=${world.operator}&thread=${world.thread}`);
    check(topic.messages.some((m) => m.text === operatorText && m.message_thread_id === world.thread &&
      m.from.id === world.operator), "the text typed in the right pane is in the topic, from the operator");

    // ---- right: replying through a message's reply action quotes it
    const operatorMessage = page.locator("#group-messages .msg.own", { hasText: operatorText });
    await operatorMessage.hover();
    await operatorMessage.locator(".act-reply").click();
    const replyText = "Tracking number follows";
    await page.getByLabel("Message to topic").fill(replyText);
    await page.getByLabel("Message to topic").press("Enter");
    await page.locator("#group-messages .msg.own", { hasText: replyText })
      .locator(".quote", { hasText: operatorText }).waitFor();

    // ---- screenshot: a real picture of both panes
    const shot = path.join(outputDir, "playground.png");
    fs.mkdirSync(outputDir, { recursive: true });
    await page.mouse.move(0, 0);
    await page.waitForFunction(() => [...document.querySelectorAll(".msg .actions")]
      .every((actions) => getComputedStyle(actions).opacity === "0"));  // hover actions faded out
    await page.screenshot({ path: shot });
    const png = inspectPng(shot);
    check(png.width === kViewport.width && png.height === kViewport.height,
      `screenshot is ${kViewport.width}×${kViewport.height} (got ${png.width}×${png.height})`);
    check(png.size > kMinScreenshotBytes, `screenshot is larger than ${kMinScreenshotBytes} bytes (got ${png.size})`);
    check(png.colours > 20, `screenshot is not blank: ${png.colours} distinct colours sampled`);
    check(pageErrors.length === 0, `no script errors on the page: ${pageErrors.join("; ")}`);
    console.log(`PASS: playground works; screenshot ${shot} (${png.size} bytes, ${png.colours} colours sampled)`);
  } finally {
    if (context) await context.close().catch(() => {});
    child.kill("SIGTERM");
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const guard = setTimeout(() => {
  console.error(`FAIL: the test did not finish within ${kTestTimeoutMs} ms`);
  tgsim?.kill("SIGKILL");
  process.exit(1);
}, kTestTimeoutMs);

try {
  await run();
  clearTimeout(guard);
  process.exit(0);
} catch (error) {
  console.error(`FAIL: ${error.stack || error}`);
  process.exit(1);
}
