// End-to-end check of the playground in a real browser (headless Chromium):
//   node e2e.mjs <base-url> <screenshot-path> [--token T] [--trusted-documents] [--cdn]
//     [--jwt-secret-file F --jwt-issuer I --jwt-audience A]
// Opens <base-url>/graphql and checks what a new user sees and does:
// - the query editor holds the default query of src/playground.js;
// - `{ users(first: 5) { totalCount } }`, typed and run with the execute button, answers;
// - with --token (the server's --api-token): the token typed in the Headers tab reaches the
//   server as the subscription's connection_init payload, the subscription is accepted, an
//   event of a change made meanwhile shows in the result pane, and stopping it completes it;
// - with --jwt-secret-file, --jwt-issuer and --jwt-audience as well (a server with sign-in,
//   where --token is the service's): a user is created with the service token and signs
//   in with an HS256 JWT minted here; that JWT, typed in the Headers tab, is sent with the
//   query as `Authorization: Bearer …` and as the subscription's connection_init payload,
//   and the event of the user's own new link shows in the result pane;
// - with --trusted-documents (a server started with it): the page says why nothing typed
//   here runs, asks nothing of the server on load, and a typed query shows the refusal.
// --cdn: the server serves the page that loads GraphiQL from unpkg.com (a build without
// npm). Those files are fetched with `npm pack` and served to the browser from here, so
// the check runs offline of unpkg but with the very files it would serve.
// Fails on a request that fails or answers >= 400, a request to another host (but the
// CDN's, with --cdn), a console error or page error (CSP violations are console errors).
// Chromium: /usr/bin/chromium, or CHROMIUM_PATH. Last line: "N passed, N failed".
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { DEFAULT_QUERY, TRUSTED_DOCUMENTS_NOTICE, TRUSTED_DOCUMENTS_QUERY } from './src/playground.js';

const TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 180_000;
const QUERY = '{ users(first: 5) { totalCount } }';
const SUBSCRIPTION = 'subscription { membershipChanged { kind role } }';
const CDN_HOST = 'unpkg.com';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    token: { type: 'string' },
    'trusted-documents': { type: 'boolean', default: false },
    cdn: { type: 'boolean', default: false },
    'jwt-secret-file': { type: 'string' },
    'jwt-issuer': { type: 'string' },
    'jwt-audience': { type: 'string' },
  },
});
const [baseArg, screenshotPath] = positionals;
if (!baseArg || !screenshotPath) {
  console.error('usage: node e2e.mjs <base-url> <screenshot-path> [--token T] [--trusted-documents] [--cdn] [--jwt-secret-file F --jwt-issuer I --jwt-audience A]');
  console.log('0 passed, 1 failed');
  process.exit(2);
}
const base = new URL(baseArg);
const pageUrl = new URL('/graphql', base).href;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const trustedOnly = options['trusted-documents'];
const signsIn = options['jwt-secret-file'] !== undefined;
if (signsIn && !(options.token && options['jwt-issuer'] && options['jwt-audience'])) {
  console.error('--jwt-secret-file needs --jwt-issuer, --jwt-audience and --token (the service token)');
  console.log('0 passed, 1 failed');
  process.exit(2);
}

const problems = [];
const problem = (text) => {
  problems.push(text);
  console.error(`  problem: ${text}`);
};

let context;
const workDir = mkdtempSync(join(tmpdir(), 'userplan-e2e-'));
async function cleanup() {
  try {
    await context?.close();
  } catch {
    // already gone
  }
  rmSync(workDir, { recursive: true, force: true });
}

// If anything hangs past every bounded wait, still report and close.
const watchdog = setTimeout(async () => {
  problem(`the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  await cleanup();
  console.log('0 passed, 1 failed');
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

/** Serves https://unpkg.com/<package>@<version>/<path> from that package's npm tarball. */
async function serveCdnFromNpm(page) {
  const unpacked = new Map();
  await page.route(`https://${CDN_HOST}/**`, async (route) => {
    const match = new URL(route.request().url()).pathname.match(/^\/((?:@[^/]+\/)?[^@/]+)@([^/]+)\/(.+)$/);
    if (!match) return route.fulfill({ status: 404, body: 'not a pinned package path' });
    const [, name, version, path] = match;
    const spec = `${name}@${version}`;
    if (!unpacked.has(spec)) {
      const dir = mkdtempSync(join(workDir, 'cdn-'));
      const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim();
      execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
      unpacked.set(spec, join(dir, 'package'));
    }
    const contentType = path.endsWith('.css') ? 'text/css' : 'text/javascript';
    await route.fulfill({ status: 200, contentType, body: readFileSync(join(unpacked.get(spec), path)) });
  });
}

/** The text of the CodeMirror editor under `selector`. */
function editorText(page, selector) {
  return page.evaluate((selector) => document.querySelector(`${selector} .CodeMirror`)?.CodeMirror?.getValue() ?? null, selector);
}

const QUERY_EDITOR = '.graphiql-query-editor';
const HEADERS_EDITOR = 'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)';
const RESPONSE = '.graphiql-response';

async function typeQuery(page, text) {
  const editor = page.locator(`${QUERY_EDITOR} .CodeMirror`).first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text, { delay: 10 });
  await page.keyboard.press('Escape'); // closes an autocomplete popup, if one is open
  // CodeMirror closes brackets as they are typed and skips over the closing one when it
  // is typed in turn, so the text should be exactly what was typed.
  const typed = await editorText(page, QUERY_EDITOR);
  if (typed.replace(/\s+/g, ' ').trim() !== text) {
    throw new Error(`the query editor holds ${JSON.stringify(typed)}, expected ${JSON.stringify(text)}`);
  }
  console.log(`typed: ${text}`);
  // GraphiQL parses the editor's text 100 ms after the last change (debounced) and only
  // then updates the operation it sends. A person does not type and click that fast.
  await page.waitForTimeout(600);
}

/** The result pane's text once it holds every one of `needles`. */
async function resultWith(page, needles) {
  const handle = await page
    .waitForFunction(
      ({ selector, needles }) => {
        const cm = document.querySelector(`${selector} .CodeMirror`)?.CodeMirror;
        const text = cm ? cm.getValue() : (document.querySelector(selector)?.textContent ?? '');
        return needles.every((needle) => text.includes(needle)) ? text : false;
      },
      { selector: RESPONSE, needles },
      { timeout: TIMEOUT_MS, polling: 100 },
    )
    .catch(async () => {
      const shown = await page.evaluate((selector) => document.querySelector(selector)?.textContent ?? '(no result pane)', RESPONSE);
      throw new Error(`no ${needles.join(' and ')} in the result pane within ${TIMEOUT_MS / 1000} s; it shows: ${shown.slice(0, 500)}`);
    });
  const text = await handle.jsonValue();
  console.log(`result: ${text.replace(/\s+/g, ' ').trim()}`);
  return text;
}

/** A GraphQL request from outside the browser, as another client of the server. */
async function graphql(query, variables, token) {
  const response = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** An HS256 JWT, as an identity provider signs one (the secret file's trailing newlines are
 * not part of the secret, as the server reads it). */
function mintJwt(claims) {
  const secret = readFileSync(options['jwt-secret-file'], 'utf8').replace(/[\r\n]+$/, '');
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/** A new user, created with the service token, and a JWT of theirs for ten minutes. */
async function signedInUser() {
  const email = `e2e-signed-in-${Date.now()}@example.com`;
  const { createUser } = await graphql('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email, name: 'Signed In' } }, options.token);
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: createUser.id, iss: options['jwt-issuer'], aud: options['jwt-audience'], iat: now, exp: now + 600 };
  console.log(`signed in as ${email}`);
  return { id: createUser.id, token: mintJwt(claims) };
}

async function typeHeaders(page, headers) {
  await page.evaluate(
    ({ selector, text }) => document.querySelector(`${selector} .CodeMirror`).CodeMirror.setValue(text),
    { selector: HEADERS_EDITOR, text: JSON.stringify(headers) },
  );
}

/** The subscription, run with `token` in the Headers tab, shows the ADDED event of a link
 * made meanwhile with the service token: `user`'s (a new user's when there is none). */
async function checkSubscriptionWithToken(page, socketFrames, token, user) {
  const headers = { Authorization: `Bearer ${token}` };
  await typeHeaders(page, headers);
  await typeQuery(page, SUBSCRIPTION);
  await page.locator('.graphiql-execute-button').click();
  console.log('started the subscription');
  const acknowledged = await waitFor(() => socketFrames.received.some((frame) => frame.type === 'connection_ack'));
  const init = socketFrames.sent.find((frame) => frame.type === 'connection_init');
  if (JSON.stringify(init?.payload) !== JSON.stringify(headers)) {
    problem(`connection_init carried ${JSON.stringify(init)}, expected the Headers tab's ${JSON.stringify(headers)}`);
  }
  if (!acknowledged) throw new Error(`the server did not acknowledge the connection; frames: ${JSON.stringify(socketFrames)}`);
  await waitFor(() => socketFrames.sent.some((frame) => frame.type === 'subscribe'));
  // A change made by another client shows up here.
  const stamp = Date.now();
  const service = options.token;
  const userId =
    user ?? (await graphql('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email: `e2e-${stamp}@example.com`, name: 'E2E' } }, service)).createUser.id;
  const { createPlan } = await graphql('mutation ($input: CreatePlanInput!) { createPlan(input: $input) { id } }', { input: { name: `E2E ${stamp}` } }, service);
  await graphql('mutation ($u: UUID!, $p: [UUID!]!) { addPlansToUser(userId: $u, planIds: $p, role: ADMIN) { __typename } }', { u: userId, p: [createPlan.id] }, service);
  await resultWith(page, ['"ADDED"', '"ADMIN"']);
  // The execute button is a stop button while the subscription runs.
  await page.locator('.graphiql-execute-button').click();
  if (!(await waitFor(() => socketFrames.sent.some((frame) => frame.type === 'complete')))) {
    problem('stopping the subscription sent no complete message');
  }
}

async function waitFor(check) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function run() {
  context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
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
  if (options.cdn) await serveCdnFromNpm(page);

  const apiRequests = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (['data:', 'blob:'].includes(url.protocol)) return;
    if (url.host === base.host) {
      if (url.pathname === '/graphql' && request.method() === 'POST') {
        apiRequests.push({ body: request.postData(), authorization: request.headers().authorization });
      }
    } else if (!(options.cdn && url.host === CDN_HOST)) {
      problem(`request to another host: ${request.method()} ${request.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    problem(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? 'unknown error'})`);
  });
  // With trusted documents only, a typed query is refused with 400, as it should be.
  const refused = (status, url) => trustedOnly && status === 400 && url === `${base.origin}/graphql`;
  page.on('response', (response) => {
    if (response.status() >= 400 && !refused(response.status(), response.url())) {
      problem(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url;
    if (refused(400, url) && message.text().includes('status of 400')) return;
    problem(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problem(`page error: ${error.message}`));
  const socketFrames = { sent: [], received: [] };
  const frame = (payload) => {
    try {
      return JSON.parse(payload);
    } catch {
      return { unreadable: String(payload) };
    }
  };
  page.on('websocket', (ws) => {
    ws.on('socketerror', (error) => problem(`WebSocket error on ${ws.url()}: ${error}`));
    ws.on('framesent', ({ payload }) => socketFrames.sent.push(frame(payload)));
    ws.on('framereceived', ({ payload }) => socketFrames.received.push(frame(payload)));
  });

  console.log(`opening ${pageUrl}${options.cdn ? ' (the CDN page)' : ''}${trustedOnly ? ' (trusted documents only)' : ''}`);
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!response) throw new Error(`no response for ${pageUrl}`);
  console.log(`  ${response.status()} ${response.headers()['content-type'] ?? ''}`);
  const csp = response.headers()['content-security-policy'];
  console.log(`  content-security-policy: ${csp ?? '(none sent)'}`);
  if (options.cdn === Boolean(csp)) problem(options.cdn ? 'the CDN page was expected, the bundle came' : 'the bundle was expected, the CDN page came');
  const title = await page.title();
  if (title !== 'userplan') problem(`page title is ${JSON.stringify(title)}, expected "userplan"`);

  // The query editor (CodeMirror) is ready once GraphiQL has rendered it.
  await page.locator(`${QUERY_EDITOR} .CodeMirror`).first().waitFor({ state: 'visible' });
  const expectedDefault = trustedOnly ? TRUSTED_DOCUMENTS_QUERY : DEFAULT_QUERY;
  if ((await editorText(page, QUERY_EDITOR)) !== expectedDefault) {
    problem(`the query editor does not hold the ${trustedOnly ? 'trusted-documents notice' : 'default query'} on load`);
  } else {
    console.log(`the query editor holds the ${trustedOnly ? 'trusted-documents notice' : 'default query'}`);
  }

  if (trustedOnly) {
    const notice = await page.locator('[role="alert"].userplan-notice').textContent();
    if (notice !== TRUSTED_DOCUMENTS_NOTICE) problem(`the notice shows ${JSON.stringify(notice)}`);
    else console.log('the page says why typed documents cannot run');
    if (apiRequests.length > 0) problem(`the page asked the server on load: ${apiRequests.map((request) => request.body).join(' ; ')}`);
    await typeQuery(page, QUERY);
    await page.locator('.graphiql-execute-button').click();
    await resultWith(page, ['PERSISTED_QUERY_NOT_IN_LIST']);
  } else {
    // The token goes in the Headers tab first, as the default query says; signed in, the
    // query runs as the user.
    const signedIn = signsIn ? await signedInUser() : undefined;
    const token = signedIn?.token ?? options.token;
    if (token) await typeHeaders(page, { Authorization: `Bearer ${token}` });
    await typeQuery(page, QUERY);
    const sentBefore = apiRequests.length;
    await page.locator('.graphiql-execute-button').click();
    const resultText = await resultWith(page, ['"totalCount"']);
    if (token) {
      const sent = apiRequests.slice(sentBefore).find((request) => request.body?.includes('totalCount'));
      if (sent?.authorization !== `Bearer ${token}`) {
        problem(`the query went with Authorization ${JSON.stringify(sent?.authorization)}, not the Headers tab's token`);
      } else {
        console.log(`the query went with the Headers tab's ${signedIn ? 'JWT' : 'token'}`);
      }
    }
    let totalCount;
    try {
      totalCount = JSON.parse(resultText)?.data?.users?.totalCount;
    } catch {
      // shown below
    }
    if (typeof totalCount !== 'number') problem(`the result has no data.users.totalCount number: ${resultText}`);
    if (token) await checkSubscriptionWithToken(page, socketFrames, token, signedIn?.id);
  }

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
  console.log('ok: the playground works as a new user finds it');
} else {
  console.error(`FAILED: ${problems.length} problem(s) above`);
}
console.log(passed ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(passed ? 0 : 1);
