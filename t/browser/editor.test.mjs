// The editor under hurried hands: double clicks on the buttons that
// change a post's status or create one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, newPost, signIn, useServer, waitForSaved, watchApi,
         withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'editor' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

async function postCount() {
  const { json } = await api.call('GET', 'posts?per_page=1');
  return json.total;
}

test('double click on Publish publishes once', async () => {
  await withStudio(suite.browser, 'double click publish', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);
    const requests = watchApi(page);

    await page.getByRole('button', { name: 'Publish', exact: true }).dblclick();
    await requests.quiet();
    await waitForSaved(page);

    assert.equal(requests.list('PATCH', /^posts\/\d+$/).length, 1);
    assert.equal((await api.post(id)).status, 'published');
    await page.getByRole('link', { name: 'View post' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Publish',
                                                  exact: true }).count(), 0);
  });
});

test('slow double click after the server answered', async () => {
  await withStudio(suite.browser, 'slow double click publish', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);
    const requests = watchApi(page);

    // The second click of a double click comes after the server has
    // confirmed the first, and lands where Publish was.
    const box = await page.getByRole('button', { name: 'Publish', exact: true })
      .boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    const saved = page.waitForResponse((response) =>
      response.request().method() === 'PATCH');
    await page.mouse.move(x, y);
    await page.mouse.down({ clickCount: 1 });
    await page.mouse.up({ clickCount: 1 });
    await saved;
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });
    await requests.quiet();

    assert.equal(requests.list('PATCH', /^posts\/\d+$/).length, 1);
    assert.equal((await api.post(id)).status, 'published');
  });
});

test('status buttons ignore clicks while one is pending', async () => {
  await withStudio(suite.browser, 'status change pending', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);
    const requests = watchApi(page);

    // The server's response to the publish is held back, so the change
    // stays in flight while the author clicks on.
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    await page.route(`**/api/posts/${id}`, async (route) => {
      if (route.request().method() === 'PATCH')
        await released;
      await route.continue();
    });
    const publish = page.getByRole('button', { name: 'Publish', exact: true });
    await publish.click();
    // force: the click lands even on a button marked as disabled.
    await publish.click({ force: true });
    const unpublish = page.getByRole('button', { name: 'Unpublish' });
    assert.equal(await unpublish.count(), 0,
                 'Unpublish does not appear before the server confirms');
    release();
    await requests.quiet();

    assert.equal(requests.list('PATCH', /^posts\/\d+$/).length, 1);
    assert.equal((await api.post(id)).status, 'published');
    await unpublish.waitFor();
  });
});

test('double click on New post makes one draft', async () => {
  await withStudio(suite.browser, 'double click new post', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const before = await postCount();
    const requests = watchApi(page);

    await page.getByRole('button', { name: 'New post' }).dblclick();
    await page.waitForURL(/\/studio\/posts\/\d+$/);
    await requests.quiet();

    assert.equal(requests.list('POST', /^posts$/).length, 1);
    assert.equal(await postCount(), before + 1);
  });
});

test('post list shows changes saved on leaving', async () => {
  await withStudio(suite.browser, 'list after leaving editor', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);

    // Posts is clicked before the pause that saves a change has passed.
    await page.getByLabel('Title').fill('Renamed on the way out');
    await page.getByRole('navigation').getByRole('link', { name: 'Posts' })
      .click();
    const link = page.getByRole('link', { name: 'Renamed on the way out' });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `/studio/posts/${id}`);
    assert.equal((await api.post(id)).title, 'Renamed on the way out');
  });
});

// Counts the page's writes of local copies to localStorage in
// window.copyWrites, from before the studio's own scripts run.
function countCopyWrites(page) {
  return page.addInitScript(() => {
    window.copyWrites = 0;
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function countingSetItem(key, value) {
      if (String(key).startsWith('writekit:copy:'))
        window.copyWrites++;
      return setItem.call(this, key, value);
    };
  });
}

// Returns the markdown of the page's local copy of post `id`, or null.
function localCopySource(page, id) {
  return page.evaluate((postId) => {
    const key = Object.keys(localStorage)
      .find((name) => name.startsWith('writekit:copy:')
                      && name.split(':').at(-2) === String(postId));
    return key ? JSON.parse(localStorage.getItem(key)).fields.source : null;
  }, id);
}

test('large post copy is written at intervals', async () => {
  await withStudio(suite.browser, 'large post local copy', async (context, newPage) => {
    // Just under WriteKitMaxPostSize (1 MiB by default), in paragraphs.
    const paragraph = `${'A sentence of a long post. '.repeat(3).trim()}\n\n`;
    const source = paragraph.repeat(Math.floor((1048576 - 100) / paragraph.length));
    const created = await api.call('POST', 'posts', { title: 'Large', source });
    assert.equal(created.status, 201);
    const id = created.json.id;

    const page = await newPage();
    await countCopyWrites(page);
    await page.clock.install();
    await signIn(page, server.origin);
    await page.goto(`${server.origin}/studio/posts/${id}`);
    await page.waitForFunction((length) => document.querySelector('textarea')
      ?.value.length === length, source.length);
    const markdown = page.getByLabel('Markdown');
    await markdown.focus();
    await markdown.press('Control+End');

    // With the page's clock stopped, no timer runs while the author types.
    await page.clock.pauseAt(Date.now() + 1000);
    await page.evaluate(() => { window.copyWrites = 0; });
    await page.keyboard.type('0123456789');
    assert.ok(await page.evaluate(() => window.copyWrites) <= 1,
              'at most one local copy write for ten keys');

    await page.clock.runFor(400);
    assert.ok((await localCopySource(page, id)).endsWith('0123456789'),
              'the copy is written once the interval has passed');

    // Leaving the page writes the copy at once.  The save that leaving
    // also sends is held back, because a server that acknowledged it
    // would let the studio drop the copy before it is read here.
    await page.route(`**/studio/api/posts/${id}`, (route) =>
      (route.request().method() === 'GET' ? route.continue() : route.abort()));
    await page.keyboard.type('abc');
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
    assert.ok((await localCopySource(page, id)).endsWith('0123456789abc'),
              'pagehide writes the copy');
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
