// Moving around the studio with the keyboard and the browser's own
// buttons: focus after sign-in, and a post list whose status filter and
// page live in the URL, so reload and Back keep them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { author, Server } from './lib/server.mjs';
import { ApiClient, useServer, withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'navigation' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

async function signInWithKeyboard(page) {
  await page.getByLabel('Email').focus();
  await page.keyboard.type(author.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(author.password);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation').getByRole('link', { name: 'Posts' })
    .waitFor();
}

function focusedHeading(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    return element.localName === 'h1' ? element.textContent : element.localName;
  });
}

test('sign-in focuses the page heading', async () => {
  await withStudio(suite.browser, 'sign-in focus', async (context, newPage) => {
    const page = await newPage();
    await page.goto(`${server.origin}/studio/`);
    await signInWithKeyboard(page);
    await page.waitForFunction(() => document.activeElement.localName === 'h1');
    assert.equal(await focusedHeading(page), 'Posts');

    // A deep link lands on its own page's heading.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${server.origin}/studio/settings`);
    await signInWithKeyboard(page);
    await page.waitForFunction(() => document.activeElement.localName === 'h1');
    assert.equal(await focusedHeading(page), 'Settings');
  });
});

test('post list keeps filter and page', async () => {
  await withStudio(suite.browser, 'post list in url', async (context, newPage) => {
    // Two pages of drafts (20 a page) and one published post.
    for (let i = 1; i <= 22; i++) {
      const { status } = await api.call('POST', 'posts', { title: `Draft ${i}` });
      assert.equal(status, 201);
    }
    await api.call('POST', 'posts', { title: 'Out already', status: 'published' });

    const page = await newPage();
    await page.goto(`${server.origin}/studio/`);
    await signInWithKeyboard(page);
    const drafts = page.getByRole('button', { name: 'Drafts', exact: true });
    const all = page.getByRole('button', { name: 'All', exact: true });
    const pageTwo = page.getByText('Page 2 of 2');

    await drafts.click();
    await page.waitForURL(/\/studio\/\?status=draft$/);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForURL(/\/studio\/\?status=draft&page=2$/);
    await pageTwo.waitFor();

    await page.reload();
    await pageTwo.waitFor();
    assert.equal(await drafts.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByRole('link', { name: 'Out already' }).count(), 0);

    await page.goBack();
    await page.waitForURL(/\/studio\/\?status=draft$/);
    await page.getByText('Page 1 of 2').waitFor();
    assert.equal(await drafts.getAttribute('aria-pressed'), 'true');

    await page.goBack();
    await page.waitForURL(/\/studio\/$/);
    await page.waitForFunction(() => [...document.querySelectorAll('button')]
      .find((button) => button.textContent === 'All')
      ?.getAttribute('aria-pressed') === 'true');
    assert.equal(await all.getAttribute('aria-pressed'), 'true');
    await page.getByRole('link', { name: 'Out already' }).waitFor();
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
