// What the browser tests that drive `topicdesk demo` share: loading playwright-core and Debian's
// chromium (or skipping), free ports, checks, and starting the demo until it is ready.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import readline from "node:readline";

export const kChromium = "/usr/bin/chromium";
export const kSkip = 77;  // CTest's SKIP_RETURN_CODE

// playwright-core's chromium, or the process exits with kSkip saying what is missing.
export async function loadChromium() {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    console.log("SKIP: playwright-core is not installed (run `npm install --no-audit --no-fund` in the repo root)");
    process.exit(kSkip);
  }
  if (!fs.existsSync(kChromium)) {
    console.log(`SKIP: ${kChromium} is missing (Debian package chromium)`);
    process.exit(kSkip);
  }
  return chromium;
}

// Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes (thrown).
export async function waitUntil(probe, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));  // the polling interval of a deadline wait
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

export function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts `topicdesk demo`; `ready` resolves with the lines it printed once it says it is up
// ("Press Ctrl+C"), and rejects when it exits first or takes longer than `timeoutMs`.
export function startDemo({ topicdesk, tgsim, dataDir, simPort, deskPort, extraArgs = [], timeoutMs }) {
  const child = spawn(topicdesk, ["demo", "--tgsim", tgsim, "--data-dir", dataDir,
    "--sim-port", String(simPort), "--desk-port", String(deskPort), ...extraArgs],
  { stdio: ["ignore", "pipe", "pipe"] });
  const output = [];
  const printed = [];
  child.stderr.on("data", (chunk) => output.push(chunk.toString()));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start within ${timeoutMs} ms:\n${output.join("")}`)),
      timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited early (code ${code}, signal ${signal}):\n${output.join("")}`));
    });
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      output.push(line + "\n");
      printed.push(line);
      if (line.includes("Press Ctrl+C")) {
        clearTimeout(timer);
        resolve(printed);
      }
    });
  });
  return { child, ready };
}
