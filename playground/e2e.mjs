// End-to-end check of the playground in a real browser (headless Chromium):
//   node e2e.mjs <base-url> <screenshot-path>
// Opens <base-url>/graphql, types `{ users(first: 5) { totalCount } }` into the query
// editor, runs it with the execute button and waits for "totalCount" in the result.
// Fails on a request that fails or answers >= 400, a request to another host, a console
// error or page error (CSP violations are console errors), or a missing result.
// Chromium: /usr/bin/chromium, or CHROMIUM_PATH. Last line: "N passed, N failed".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 120_000;
const QUERY = '{ users(first: 5) { totalCount } }';

const [baseArg, screenshotPath] = process.argv.slice(2);
if (!baseArg || !screenshotPath) {
  console.error('usage: node e2e.mjs <base-url> <screenshot-path>');
  console.log('0 passed, 1 failed');
  process.exit(2);
}
const base = new URL(baseArg);
const pageUrl = new URL('/graphql', base).href;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const problems = [];
const problem = (text) => {
  problems.push(text);
  console.error(`  problem: ${text}`);
};

let context;
const profileDir = mkdtempSync(join(tmpdir(), 'userplan-e2e-'));
async function cleanup() {
  try {
    await context?.close();
  } catch {
    // already gone
  }
  rmSync(profileDir, { recursive: true, force: true });
}

// If anything hangs past every bounded wait, still report and close.
const watchdog = setTimeout(async () => {
  problem(`the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  await cleanup();
  console.log('0 passed, 1 failed');
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

async function run() {
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    timeout: TIMEOUT_MS,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());

  page.on('request', (request) => {
    const url = new URL(request.url());
    if (['data:', 'blob:'].includes(url.protocol)) return;
    if (url.host !== base.host) problem(`request to another host: ${request.method()} ${request.url()}`);
  });
  page.on('requestfailed', (request) => {
    problem(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? 'unknown error'})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problem(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problem(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problem(`page error: ${error.message}`));
  page.on('websocket', (ws) => {
    ws.on('socketerror', (error) => problem(`WebSocket error on ${ws.url()}: ${error}`));
  });

  console.log(`opening ${pageUrl}`);
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!response) throw new Error(`no response for ${pageUrl}`);
  console.log(`  ${response.status()} ${response.headers()['content-type'] ?? ''}`);
  const csp = response.headers()['content-security-policy'];
  console.log(`  content-security-policy: ${csp ?? '(none sent)'}`);
  const title = await page.title();
  if (title !== 'userplan') problem(`page title is ${JSON.stringify(title)}, expected "userplan"`);

  // The query editor (CodeMirror) is ready once GraphiQL has rendered it.
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.waitFor({ state: 'visible' });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(QUERY, { delay: 10 });
  await page.keyboard.press('Escape'); // closes an autocomplete popup, if one is open
  const typed = await page.evaluate(
    () => document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror?.getValue() ?? null,
  );
  // CodeMirror closes brackets as they are typed and skips over the closing one
  // when it is typed in turn, so the text should be exactly what was typed.
  if (typed !== null && typed.replace(/\s+/g, ' ').trim() !== QUERY) {
    throw new Error(`the query editor holds ${JSON.stringify(typed)}, expected ${JSON.stringify(QUERY)}`);
  }
  console.log(`typed: ${QUERY}`);
  // GraphiQL parses the editor's text 100 ms after the last change (debounced) and only
  // then updates the operation name it sends; running sooner would send the old one
  // ("Users", from the default query). A person does not type and click that fast.
  await page.waitForTimeout(600);

  await page.locator('.graphiql-execute-button').click();
  console.log('clicked the execute button');
  const resultText = await page
    .waitForFunction(
      () => {
        const cm = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror;
        const text = cm ? cm.getValue() : document.querySelector('.graphiql-response')?.textContent ?? '';
        return text.includes('"totalCount"') ? text : false;
      },
      null,
      { timeout: TIMEOUT_MS, polling: 100 },
    )
    .then((handle) => handle.jsonValue())
    .catch(async () => {
      const shown = await page.evaluate(() => document.querySelector('.graphiql-response')?.textContent ?? '(no result pane)');
      throw new Error(`no "totalCount" in the result pane within ${TIMEOUT_MS / 1000} s; it shows: ${shown.slice(0, 500)}`);
    });
  console.log(`result: ${resultText.replace(/\s+/g, ' ').trim()}`);
  let totalCount;
  try {
    totalCount = JSON.parse(resultText)?.data?.users?.totalCount;
  } catch {
    // shown below
  }
  if (typeof totalCount !== 'number') problem(`the result has no data.users.totalCount number: ${resultText}`);

  await page.screenshot({ path: screenshotPath, fullPage: true, timeout: TIMEOUT_MS });
  console.log(`screenshot: ${screenshotPath}`);
}

let passed = false;
try {
  await run();
  passed = problems.length === 0;
} catch (error) {
  problem(error instanceof Error ? error.message : String(error));
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
if (passed) {
  console.log('ok: the playground ran a query');
} else {
  console.error(`FAILED: ${problems.length} problem(s) above`);
}
console.log(passed ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(passed ? 0 : 1);
