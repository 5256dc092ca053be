// Languages in the playground: runs `topicdesk demo --language ru` and then `--language fa` (tgsim,
// the desk with LANGUAGE set, the demo's traffic), asks the desk for /help in General as the demo's
// operator, and drives the playground page in headless Chromium: the operators' texts (the user's
// card in the topic, the /help answer in General) must be visible in Russian and in Persian, the
// Persian ones laid out right to left. Screenshots of both panes are kept in the output dir
// (playground-ru.png, playground-ru-general.png, playground-fa.png, playground-fa-general.png).
//
// usage: node languages_test.mjs <topicdesk binary> <tgsim binary> <output dir>
// exit codes: 0 passed, 1 failed, 77 skipped (playwright-core or chromium missing)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { check, freePort, kChromium, loadChromium, startDemo } from "./demo_support.mjs";
import { inspectPng } from "./png_check.mjs";

const kStartTimeoutMs = 90_000;
const kUiTimeoutMs = 20_000;
const kTestTimeoutMs = 280_000;
const kMinScreenshotBytes = 20 * 1024;
const kViewport = { width: 1280, height: 800 };

// What each language must show: the card's first line in the user's topic and the first line of
// /help in General, as the catalogues write them (src/i18n/catalogues/<lang>/cards.toml).
const kLanguages = [
  { code: "ru", card: "📇 Новый диалог", help: "Команды здесь, в General:", direction: "ltr" },
  { code: "fa", card: "📇 گفتگوی تازه", help: "دستورهای اینجا در General:", direction: "rtl" },
];

const [topicdeskPath, tgsimPath, outputDir] = process.argv.slice(2);
if (!topicdeskPath || !tgsimPath || !outputDir) {
  console.error("usage: node languages_test.mjs <topicdesk binary> <tgsim binary> <output dir>");
  process.exit(2);
}

const chromium = await loadChromium();

// ------------------------------------------------------------------ helpers

async function sim(base, method, urlPath, body) {
  const response = await fetch(base + urlPath, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok || data?.ok === false) throw new Error(`${method} ${urlPath} → ${response.status}: ${JSON.stringify(data)}`);
  return data;
}

async function screenshot(page, file) {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: file });
  const png = inspectPng(file);
  check(png.width === kViewport.width && png.height === kViewport.height,
    `${file} is ${kViewport.width}×${kViewport.height} (got ${png.width}×${png.height})`);
  check(png.size > kMinScreenshotBytes, `${file} is larger than ${kMinScreenshotBytes} bytes (got ${png.size})`);
  check(png.colours > 20, `${file} is not blank: ${png.colours} distinct colours sampled`);
  return png;
}

// ------------------------------------------------------------------ the test

// Runs in the page on a message's text node: lays the text out paragraph by paragraph (each line
// by its own first strong letter) and lists the lines whose commands are out of place.
function commandLayoutProblems(node) {
  node.style.unicodeBidi = "plaintext";
  const text = node.firstChild;
  const box = (at) => {
    const range = document.createRange();
    range.setStart(text, at);
    range.setEnd(text, at + 1);
    return range.getBoundingClientRect();
  };
  const problems = [];
  let start = 0;
  for (const line of text.data.split("\n")) {
    const plain = line.replace(/[\u200e\u200f\u2066-\u2069]/g, "");
    const persian = line.search(/[\u0600-\u06ff]/);
    for (const match of line.matchAll(/\/[a-z]/g)) {
      const slash = box(start + match.index);
      const letter = box(start + match.index + 1);
      if (!(slash.x < letter.x)) problems.push(`"${plain}": the slash is right of its command`);
      const word = persian >= 0 ? box(start + persian) : null;  // compared when on the same row
      if (plain.startsWith(match[0]) && word && Math.abs(word.y - slash.y) < 2 && !(slash.x > word.x))
        problems.push(`"${plain}": the command is not at the line's right`);
      break;
    }
    start += line.length + 1;
  }
  node.style.unicodeBidi = "";
  return problems;
}

const children = new Set();  // demos still running, killed on every way out

async function runLanguage(browser, language) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `languages-demo-${language.code}-`));
  const simPort = await freePort();
  const deskPort = await freePort();
  const base = `http://127.0.0.1:${simPort}`;
  const { child, ready } = startDemo({ topicdesk: topicdeskPath, tgsim: tgsimPath, dataDir, simPort, deskPort,
    extraArgs: ["--language", language.code], timeoutMs: kStartTimeoutMs });
  children.add(child);
  try {
    await ready;
    const config = fs.readFileSync(path.join(dataDir, "topicdesk.toml"), "utf8");
    check(config.includes(`LANGUAGE = "${language.code}"`), `the demo's connection has LANGUAGE = "${language.code}"`);
    const groupId = Number(/group_id = (-?\d+)/.exec(config)[1]);
    const overview = await sim(base, "GET", "/sim/overview");
    const people = new Map((overview.users || []).map((u) => [u.username, u.id]));
    const olga = people.get("olga_ops");
    const ann = people.get("ann_lee");
    check(olga && ann, "tgsim knows the demo's operator and first user");
    const botId = (overview.bots || [])[0]?.id;

    // The operator asks for /help in General, as one would in the app.
    await sim(base, "POST", "/sim/messages", { from: olga, chat_id: groupId, text: "/help" });

    const page = await browser.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(base + "/");
    if (botId) {
      await page.locator(`#bot-select option[value="${botId}"]`).waitFor({ state: "attached" });
      await page.getByLabel("Bot", { exact: true }).selectOption(String(botId));
      await page.locator(`#user-sender option[value="${ann}"]`).waitFor({ state: "attached" });
      await page.getByLabel("Type as end user").selectOption(String(ann));
    }
    await page.locator(`#group-select option[value="${groupId}"]`).waitFor({ state: "attached" });
    await page.getByLabel("Group", { exact: true }).selectOption(String(groupId));

    // General: the answer to /help in the operators' language.
    await page.getByRole("button", { name: "Open topic General" }).click();
    const help = page.locator("#group-messages .msg .text", { hasText: language.help }).last();
    await help.waitFor();
    check(await help.isVisible(), `/help answers "${language.help}" in General`);
    check(await help.evaluate((node) => getComputedStyle(node).direction) === language.direction,
      `the /help answer is laid out ${language.direction}`);
    if (language.direction === "rtl") {
      // Laid out line by line by each line's own first letter, as Telegram's apps do: every
      // command reads "/help" (the slash left of its name), and a line that starts with a command
      // keeps it at the right, before its Persian explanation.
      const problems = await help.evaluate(commandLayoutProblems);
      check(problems.length === 0, `the Persian /help lines keep their commands in place: ${problems.join("; ")}`);
    }
    await screenshot(page, path.join(outputDir, `playground-${language.code}-general.png`));

    // The first user's topic: the card the desk posted, in the operators' language.
    await page.getByRole("button", { name: /^Open topic .*Ann Lee/ }).first().click();
    const card = page.locator("#group-messages .msg .text", { hasText: language.card }).first();
    await card.waitFor();
    check(await card.isVisible(), `the user's card starts "${language.card}"`);
    check(await card.evaluate((node) => getComputedStyle(node).direction) === language.direction,
      `the card is laid out ${language.direction}`);
    const shot = path.join(outputDir, `playground-${language.code}.png`);
    const png = await screenshot(page, shot);
    check(pageErrors.length === 0, `no script errors on the page: ${pageErrors.join("; ")}`);
    await page.close();
    console.log(`ok: ${language.code}: card and /help shown; screenshot ${shot} (${png.size} bytes)`);
  } finally {
    child.kill("SIGTERM");
    children.delete(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run() {
  fs.mkdirSync(outputDir, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "languages-chromium-"));
  let browser;
  try {
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: kChromium,
      headless: true,
      viewport: kViewport,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    browser.setDefaultTimeout(kUiTimeoutMs);
    for (const language of kLanguages) await runLanguage(browser, language);
    console.log("PASS: the playground shows the operators' texts in Russian and in Persian");
  } finally {
    if (browser) await browser.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

const guard = setTimeout(() => {
  console.error(`FAIL: the test did not finish within ${kTestTimeoutMs} ms`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
}, kTestTimeoutMs);

try {
  await run();
  clearTimeout(guard);
  process.exit(0);
} catch (error) {
  console.error(`FAIL: ${error.stack || error}`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
}
