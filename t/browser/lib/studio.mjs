// Helpers of the browser tests: Debian's Chromium through playwright-core,
// a page per test whose console goes to a log, a screenshot when a test
// fails, and a JSON client of the studio API for checks from outside the
// browser.
import fs from 'node:fs';
import path from 'node:path';
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

function fileName(name) {
  return name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

// Writes every console message and page error of a page to the test's
// log.
function recordConsole(page, log, label) {
  page.on('console', (message) =>
    log.write(`${label} console.${message.type()}: ${message.text()}\n`));
  page.on('pageerror', (error) =>
    log.write(`${label} page error: ${error.message}\n`));
  page.on('requestfailed', (request) =>
    log.write(`${label} request failed: ${request.method()} ` +
              `${request.url()}: ${request.failure()?.errorText}\n`));
}

// Runs body(context, newPage) in a fresh browser context.  On failure it
// saves a screenshot of every page of the context next to the test's
// log in t/browser/logs, then fails the test.
export async function withStudio(browser, name, body) {
  const base = path.join(logDir, fileName(name));
  const log = fs.createWriteStream(`${base}.log`);
  const context = await browser.newContext({ viewport: { width: 1280,
                                                          height: 800 } });
  const pages = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    recordConsole(page, log, `page ${pages.length + 1}`);
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
    throw error;
  } finally {
    await context.close();
    await new Promise((resolve) => log.end(resolve));
  }
}

export async function signIn(page, origin) {
  await page.goto(`${origin}/studio/`);
  await page.getByLabel('Email').fill(author.email);
  await page.getByLabel('Password').fill(author.password);
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

// A client of the studio API with the test author's own session, for
// checks from outside the browser.
export class ApiClient {
  constructor(origin) {
    this.base = `${origin}/studio/api/`;
    this.origin = origin;
  }

  async signIn() {
    const response = await fetch(`${this.base}session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(author),
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
