// Helpers of the browser tests: Debian's Chromium through playwright-core,
// a page per test whose console goes to a log, a screenshot when a test
// fails, and a JSON client of the studio API for checks from outside the
// browser.
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

import { author, logDir } from './server.mjs';

// Flags for a headless Chromium on a machine with no network but
// loopback: no GPU, no QUIC and none of the background requests to
// Google's services that a first start makes.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
                       '--disable-quic', '--no-first-run',
                       '--disable-background-networking',
                       '--disable-component-update', '--disable-sync'];

export const CHROMIUM = process.env.WK_CHROMIUM ?? '/usr/bin/chromium';

// playwright-core's launch gives every browser a new, empty profile.
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// Registers the hooks of a test file. Before its tests, they set up and
// start `server`, sign in every API client of `clients` and launch
// Chromium. After them, they close Chromium and remove the server.
// Returns an object whose `browser` is set once the hooks have run.
export function useServer(server, clients = []) {
  const suite = { browser: null };
  before(async () => {
    server.setup();
    await server.start();
    for (const client of clients)
      await client.signIn();
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await server.cleanup();
  });
  return suite;
}

function fileName(name) {
  return name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

// Writes every console message and page error of a page to the test's
// log, and keeps them in `lines`.
function recordConsole(page, log, lines, label) {
  const record = (line) => {
    log.write(`${line}\n`);
    lines.push(line);
  };
  page.on('console', (message) =>
    record(`${label} console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) =>
    record(`${label} page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    record(`${label} request failed: ${request.method()} ` +
           `${request.url()}: ${request.failure()?.errorText}`));
}

// Runs body(context, newPage) in a fresh browser context, made with
// playwright's `contextOptions` (such as httpCredentials) if given.  On
// failure it saves a screenshot of every page of the context next to the
// test's log in t/browser/logs, prints the log's last lines, since CI
// keeps only the output, then fails the test.
export async function withStudio(browser, name, body, contextOptions = {}) {
  const base = path.join(logDir, fileName(name));
  const log = fs.createWriteStream(`${base}.log`);
  const context = await browser.newContext({ viewport: { width: 1280,
                                                          height: 800 },
                                             ...contextOptions });
  const pages = [];
  const lines = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    recordConsole(page, log, lines, `page ${pages.length + 1}`);
    pages.push(page);
    return page;
  };

  try {
    await body(context, newPage);
  } catch (error) {
    for (const [i, page] of pages.entries()) {
      if (page.isClosed())
        continue;
      const shot = `${base}${pages.length > 1 ? `-page${i + 1}` : ''}.png`;
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      log.write(`screenshot: ${shot}\n`);
    }
    log.write(`failed: ${error.stack}\n`);
    if (lines.length > 0)
      process.stderr.write(`${name}: the pages' last messages:\n  `
                           + `${lines.slice(-30).join('\n  ')}\n`);
    throw error;
  } finally {
    await context.close();
    await new Promise((resolve) => log.end(resolve));
  }
}

// Signs in from the studio's start page; `studioPath` is the server's
// WriteKitStudio path and `user` the author ({email, password}).
export async function signIn(page, origin,
                             { studioPath = '/studio/', user = author } = {}) {
  await page.goto(`${origin}${studioPath}`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Posts' })
    .waitFor();
}

// Creates a post from the list and returns its id, read off the URL.
export async function newPost(page) {
  await page.getByRole('button', { name: 'New post' }).click();
  await page.waitForURL(/\/studio\/posts\/\d+$/);
  return Number(page.url().match(/\/posts\/(\d+)$/)[1]);
}

export function saveStatus(page) {
  return page.getByRole('status').filter({ hasText:
    /Saving|Saved|Offline|Conflict|Unsaved changes/ });
}

// The indicator reads exactly "Saved" once the server has every change;
// "Unsaved changes" also contains the word, so the match is anchored.
export async function waitForSaved(page, timeout = 10000) {
  await saveStatus(page).filter({ hasText: /^Saved$/ }).waitFor({ timeout });
}

// Waits until the editor shows text: the textarea appears before the
// post it edits has loaded.
export async function waitForMarkdown(page, text) {
  await page.waitForFunction((expected) => document
    .querySelector('textarea')?.value === expected, text);
}

// Drops files made in the page onto the editor's textarea, at its middle
// or at `at` ({x, y} inside the textarea), as a drag from the desktop
// would. Each file is {bytes, size?, name, type}; `size` pads the bytes
// with zeros.
export async function dropFiles(page, files, at = null) {
  const textarea = page.getByLabel('Markdown');
  const box = await textarea.boundingBox();
  const dataTransfer = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const { bytes, size, name, type } of list) {
      const data = new Uint8Array(size ?? bytes.length);
      data.set(bytes);
      transfer.items.add(new File([data], name, { type }));
    }
    return transfer;
  }, files);
  const point = at ?? { x: box.width / 2, y: box.height / 2 };
  const position = { clientX: box.x + point.x, clientY: box.y + point.y };
  await textarea.dispatchEvent('dragenter', { dataTransfer, ...position });
  await textarea.dispatchEvent('dragover', { dataTransfer, ...position });
  await textarea.dispatchEvent('drop', { dataTransfer, ...position });
}

// Records the page's requests to the studio API. `list(method, pattern)`
// returns those with that method whose path after api/ matches.
// `quiet(ms, timeout)` resolves once no request has been in flight for
// `ms` milliseconds, and throws after `timeout` milliseconds.
export function watchApi(page) {
  const requests = [];
  let inFlight = 0;
  let lastChange = Date.now();
  page.on('request', (request) => {
    if (!request.url().includes('/api/'))
      return;
    requests.push(request);
    inFlight++;
    lastChange = Date.now();
  });
  const done = (request) => {
    if (!request.url().includes('/api/'))
      return;
    inFlight--;
    lastChange = Date.now();
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);

  return {
    list(method, pattern) {
      return requests.filter((request) => request.method() === method
        && pattern.test(request.url().replace(/^.*\/api\//, '')));
    },
    async quiet(ms = 500, timeout = 10000) {
      const start = Date.now();
      while (inFlight > 0 || Date.now() - lastChange < ms) {
        if (Date.now() - start > timeout)
          throw new Error(`API requests still in flight after ${timeout} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

// A client of the studio API with the test author's own session, for
// checks from outside the browser.
export class ApiClient {
  constructor(origin, { studioPath = '/studio/', user = author } = {}) {
    this.base = `${origin}${studioPath}api/`;
    this.origin = origin;
    this.user = user;
  }

  async signIn() {
    const response = await fetch(`${this.base}session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(this.user),
    });
    if (response.status !== 200)
      throw new Error(`API sign-in failed: ${response.status}`);
    this.cookie = response.headers.get('set-cookie').split(';')[0];
    this.token = (await response.json()).csrf_token;
  }

  async call(method, endpoint, body) {
    const headers = { Cookie: this.cookie, 'X-CSRF-Token': this.token };
    if (body !== undefined)
      headers['Content-Type'] = 'application/json';
    const response = await fetch(`${this.base}${endpoint}`, {
      method, headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status,
             json: text ? JSON.parse(text) : null };
  }

  // Uploads bytes as the raw body of POST media; returns the media item.
  async upload(bytes, type) {
    const response = await fetch(`${this.base}media`, {
      method: 'POST',
      headers: { Cookie: this.cookie, 'X-CSRF-Token': this.token,
                 'Content-Type': type },
      body: bytes,
    });
    if (response.status !== 201)
      throw new Error(`POST media: ${response.status}`);
    return response.json();
  }

  async post(id) {
    const { status, json } = await this.call('GET', `posts/${id}`);
    if (status !== 200)
      throw new Error(`GET posts/${id}: ${status}`);
    return json;
  }
}
