// The web dashboard in the catalogues' languages: runs `topicdesk demo --language ru` (tgsim, the
// desk with LANGUAGE = "ru", the demo's traffic), signs in through the demo's link and drives the
// dashboard in headless Chromium:
//  - it opens in Russian (the connection's LANGUAGE): <html lang="ru">, the navigation, the
//    overview's figures and charts, the dialogs' statuses, the connections page, and an error the
//    desk answers (a dialog that does not exist) are Russian;
//  - the header's language picker switches it to Persian: <html lang="fa" dir="rtl">, the layout
//    mirrored (the navigation starts on the right), numbers in Persian digits; the choice is
//    remembered by the browser (a reload stays Persian);
// then runs `topicdesk demo --language fa` with a fresh browser profile: Persian from the start.
// Screenshots are kept in the output dir (dashboard-ru-overview.png, dashboard-ru-dialogs.png,
// dashboard-fa-overview.png, dashboard-fa-dialog.png, dashboard-fa-default.png).
//
// usage: node languages_test.mjs <topicdesk binary> <tgsim binary> <output dir>
// exit codes: 0 passed, 1 failed, 77 skipped (playwright-core or chromium missing)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { check, freePort, kChromium, loadChromium, startDemo, waitUntil } from "../playground/demo_support.mjs";
import { inspectPng } from "../playground/png_check.mjs";

const kStartTimeoutMs = 90_000;
const kUiTimeoutMs = 15_000;
const kTestTimeoutMs = 280_000;
const kViewport = { width: 1280, height: 900 };
const kPersianDigits = /[۰-۹]/;

// What the pages must show, as the catalogues write it (src/i18n/catalogues/<lang>/web.toml).
const kRussian = {
  overview: "Обзор", dialogs: "Диалоги", connections: "Подключения", newDialogs: "новые диалоги",
  chart: "Время первого ответа", checkNow: "Проверить сейчас", signOut: "Выйти",
  statuses: ["ждёт ответа", "отвечен", "закрыт"], noDialog: "в вашей группе нет диалога 999999",
};
const kPersian = {
  overview: "نمای کلی", dialogs: "گفتگوها", newDialogs: "گفتگوهای تازه", signOut: "خروج",
  transcript: "متن گفتگو", statuses: ["در انتظار", "پاسخ داده شده", "بسته"],
};

const [topicdeskPath, tgsimPath, outputDir] = process.argv.slice(2);
if (!topicdeskPath || !tgsimPath || !outputDir) {
  console.error("usage: node languages_test.mjs <topicdesk binary> <tgsim binary> <output dir>");
  process.exit(2);
}

const chromium = await loadChromium();

// ------------------------------------------------------------------ helpers

const waitFor = (probe, what, timeoutMs = kUiTimeoutMs) => waitUntil(probe, what, timeoutMs);

const children = new Set();  // demos still running, killed on every way out

// Starts the demo with LANGUAGE = `language`; resolves with its one-click sign-in link.
async function startLanguageDemo(language, dataDir) {
  const simPort = await freePort();
  const deskPort = await freePort();
  const { child, ready } = startDemo({ topicdesk: topicdeskPath, tgsim: tgsimPath, dataDir, simPort, deskPort,
    extraArgs: ["--language", language], timeoutMs: kStartTimeoutMs });
  children.add(child);
  const lines = await ready;
  const config = fs.readFileSync(path.join(dataDir, "topicdesk.toml"), "utf8");
  check(config.includes(`LANGUAGE = "${language}"`), `the demo's connection has LANGUAGE = "${language}"`);
  for (const line of lines) {
    const match = /(http:\/\/127\.0\.0\.1:\d+\/ui\/login\?t=[A-Za-z0-9_-]+)/.exec(line);
    if (match) return { child, link: match[1], desk: `http://127.0.0.1:${deskPort}` };
  }
  throw new Error(`the demo printed no dashboard link:\n${lines.join("\n")}`);
}

async function stopDemo(child) {
  child.kill("SIGTERM");
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on("exit", resolve)));
  children.delete(child);
}

async function openBrowser(userDataDir) {
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: kChromium,
    headless: true,
    viewport: kViewport,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  browser.setDefaultTimeout(kUiTimeoutMs);
  return browser;
}

async function screenshot(page, name) {
  const file = path.join(outputDir, `dashboard-${name}.png`);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: file });
  const png = inspectPng(file);
  check(png.width === kViewport.width && png.height === kViewport.height,
    `${file} is ${kViewport.width}×${kViewport.height} (got ${png.width}×${png.height})`);
  check(png.colours > 20, `${file} is not blank: ${png.colours} distinct colours sampled`);
  return file;
}

const loaded = (page, name) => page.locator(`#page[data-page="${name}"][data-loaded="true"]`).waitFor();

async function documentLanguage(page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    direction: getComputedStyle(document.body).direction,
  }));
}

// The heading of the page shown.
async function heading(page) {
  return (await page.locator("#page h1").textContent()).trim();
}

// ------------------------------------------------------------------ the test

async function russianThenPersian(shots) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-languages-ru-"));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-languages-chromium-"));
  let browser;
  let demo;
  try {
    const { child, link, desk } = await startLanguageDemo("ru", dataDir);
    demo = child;
    browser = await openBrowser(userDataDir);
    const page = browser.pages()[0] || await browser.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    // ---- the connection's LANGUAGE: Russian from the first page
    await page.goto(link);
    await page.waitForURL(`${desk}/ui/`);
    await loaded(page, "overview");
    await page.locator("#page h1", { hasText: kRussian.overview }).waitFor();
    const ru = await documentLanguage(page);
    check(ru.lang === "ru" && ru.dir === "ltr" && ru.direction === "ltr", `<html lang="ru" dir="ltr"> (got ${JSON.stringify(ru)})`);
    check(await page.locator("#nav a[data-page=dialogs]").textContent() === kRussian.dialogs, "the navigation is Russian");
    check(await page.locator("#logout").textContent() === kRussian.signOut, "the sign-out button is Russian");
    check(await page.locator("#language").inputValue() === "ru", "the picker shows the page's language");
    const figure = page.locator(".figure", { hasText: kRussian.newDialogs }).locator(".value");
    check(Number(await figure.textContent()) >= 3, "the overview counts the demo's dialogs under a Russian label");
    await page.locator("section.card h2", { hasText: kRussian.chart }).waitFor();
    check(await page.locator("svg.chart").count() === 4, "the overview draws its four charts");
    shots.push(await screenshot(page, "ru-overview"));

    // ---- dialogs: statuses in Russian
    await page.locator("#nav a[data-page=dialogs]").click();
    await loaded(page, "dialogs");
    await page.locator("#dialog-list tr", { hasText: "Boris Petrov" }).waitFor();
    const statuses = await page.locator("#dialog-list [data-status]").allTextContents();
    check(statuses.length >= 3 && statuses.every((s) => kRussian.statuses.includes(s)),
      `the dialogs' statuses are Russian (got ${JSON.stringify(statuses)})`);
    shots.push(await screenshot(page, "ru-dialogs"));

    // ---- the desk answers the page in Russian too
    await page.goto(`${desk}/ui/#dialog/999999`);
    await page.locator("#page .error", { hasText: kRussian.noDialog }).waitFor();

    // ---- connections: the doctor's frame and the button in Russian
    await page.goto(`${desk}/ui/#connections`);
    await loaded(page, "connections");
    check((await page.locator("#check-now").textContent()) === kRussian.checkNow, "the connections page is Russian");
    check(await heading(page) === kRussian.connections, "the connections page has a Russian heading");

    // ---- the picker: Persian, right to left, remembered by the browser
    await page.goto(`${desk}/ui/#overview`);
    await loaded(page, "overview");
    await page.locator("#language").selectOption("fa");
    await page.locator("html[lang=fa][dir=rtl]").waitFor({ state: "attached" });
    await page.locator("#page h1", { hasText: kPersian.overview }).waitFor();
    await loaded(page, "overview");
    const fa = await documentLanguage(page);
    check(fa.direction === "rtl", `the Persian page is laid out right to left (got ${JSON.stringify(fa)})`);
    check(await page.locator("#logout").textContent() === kPersian.signOut, "the sign-out button is Persian");
    const persianFigure = await page.locator(".figure", { hasText: kPersian.newDialogs }).locator(".value").textContent();
    check(kPersianDigits.test(persianFigure), `numbers are written in Persian digits (got ${persianFigure})`);
    // Mirrored: the navigation starts on the right, the brand sits at the right edge.
    const first = await page.locator("#nav a[data-page=overview]").boundingBox();
    const last = await page.locator("#nav a[data-page=connections]").boundingBox();
    check(first.x > last.x, `the navigation runs right to left (overview at ${first.x}, connections at ${last.x})`);
    const brand = await page.locator(".brand").boundingBox();
    check(brand.x > kViewport.width / 2, `the brand is on the right (x ${brand.x})`);
    shots.push(await screenshot(page, "fa-overview"));

    await page.reload();
    await loaded(page, "overview");
    await page.locator("#page h1", { hasText: kPersian.overview }).waitFor();
    check((await documentLanguage(page)).dir === "rtl", "a reload keeps the picked language (localStorage)");
    check(await page.locator("#language").inputValue() === "fa", "the picker remembers Persian");

    // ---- a dialog in Persian: its facts and transcript, mirrored
    await page.locator("#nav a[data-page=dialogs]").click();
    await loaded(page, "dialogs");
    await page.locator("#page h1", { hasText: kPersian.dialogs }).waitFor();
    const persianStatuses = await page.locator("#dialog-list [data-status]").allTextContents();
    check(persianStatuses.length >= 3 && persianStatuses.every((s) => kPersian.statuses.includes(s)),
      `the dialogs' statuses are Persian (got ${JSON.stringify(persianStatuses)})`);
    await page.locator("#dialog-list a", { hasText: "Ann Lee" }).first().click();
    await loaded(page, "dialog");
    await page.locator("#page h2", { hasText: kPersian.transcript }).waitFor();
    await page.locator("#transcript .msg.user", { hasText: "My order #1042" }).waitFor();
    shots.push(await screenshot(page, "fa-dialog"));
    check(pageErrors.length === 0, `no script errors on the pages: ${pageErrors.join("; ")}`);
    console.log("ok: ru: the dashboard opens in the connection's LANGUAGE; the picker switches it to Persian and keeps it");
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (demo) await stopDemo(demo);
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function persianByDefault(shots) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-languages-fa-"));
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-languages-chromium-"));
  let browser;
  let demo;
  try {
    const { child, link, desk } = await startLanguageDemo("fa", dataDir);
    demo = child;
    browser = await openBrowser(userDataDir);  // a fresh profile: nothing picked before
    const page = browser.pages()[0] || await browser.newPage();
    await page.goto(link);
    await page.waitForURL(`${desk}/ui/`);
    await loaded(page, "overview");
    await page.locator("#page h1", { hasText: kPersian.overview }).waitFor();
    const fa = await documentLanguage(page);
    check(fa.lang === "fa" && fa.dir === "rtl" && fa.direction === "rtl", `<html lang="fa" dir="rtl"> (got ${JSON.stringify(fa)})`);
    check(await page.locator("#language").inputValue() === "fa", "the picker shows Persian");
    check(await page.evaluate(() => window.localStorage.getItem("topicdesk.language")) === null,
      "nothing is remembered until someone picks a language");
    shots.push(await screenshot(page, "fa-default"));
    console.log("ok: fa: the dashboard opens in Persian, right to left, for a connection with LANGUAGE = \"fa\"");
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (demo) await stopDemo(demo);
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const guard = setTimeout(() => {
  console.error(`FAIL: the test did not finish within ${kTestTimeoutMs} ms`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
}, kTestTimeoutMs);

try {
  fs.mkdirSync(outputDir, { recursive: true });
  const shots = [];
  await russianThenPersian(shots);
  await persianByDefault(shots);
  clearTimeout(guard);
  console.log(`PASS: the dashboard speaks Russian and Persian; screenshots: ${shots.join(", ")}`);
  process.exit(0);
} catch (error) {
  console.error(`FAIL: ${error.stack || error}`);
  for (const child of children) child.kill("SIGKILL");
  process.exit(1);
}
