// The studio in a real Chromium against a real httpd with the built
// module and studio: sign-in, writing with the live preview, images,
// reloads, publishing, two tabs on one post and a server restart while
// the author types.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, dropFiles, newPost, saveStatus, signIn, useServer,
         waitForMarkdown, waitForSaved, withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port);
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

// A 2x2 PNG, red and blue.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64');

// Drops one file made in the page onto the middle of the textarea.
function dropFile(page, file) {
  return dropFiles(page, [file]);
}

test('sign-in shows a wrong password in place', async () => {
  await withStudio(suite.browser, 'sign-in wrong password', async (context, newPage) => {
    const page = await newPage();
    await page.goto(`${server.origin}/studio/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill('author@example.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /password/i);
    assert.equal(await page.getByRole('navigation').count(), 0);
  });
});

test('sign-in with the keyboard alone', async () => {
  await withStudio(suite.browser, 'sign-in keyboard', async (context, newPage) => {
    const page = await newPage();
    await page.goto(`${server.origin}/studio/posts/1`);
    await page.getByLabel('Email').focus();
    await page.keyboard.type('author@example.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type('a long test password');
    await page.keyboard.press('Enter');
    await page.getByRole('navigation').getByRole('link', { name: 'Posts' })
      .waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const { status } = await fetch(`${server.origin}/studio/api/session`, {
      headers: { Cookie: (await context.cookies())
        .map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    assert.equal(status, 401, 'the session is gone after signing out');
  });
});

test('preview shows what readers get', async () => {
  await withStudio(suite.browser, 'preview', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    await newPost(page);
    await page.getByLabel('Title').fill('Preview test');
    const markdown = '# A heading\n\nSome **bold** text.';
    await page.getByLabel('Markdown').fill(markdown);
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.locator('strong', { hasText: 'bold' }).waitFor();
    await preview.locator('h1', { hasText: 'A heading' }).waitFor();

    // Typing on: the preview follows.
    await page.getByLabel('Markdown').press('End');
    await page.getByLabel('Markdown').pressSequentially('\n\n~~gone~~ word');
    await preview.locator('del', { hasText: 'gone' }).waitFor();

    const rendered = await api.call('POST', 'preview', {
      markdown: await page.getByLabel('Markdown').inputValue() });
    await page.waitForFunction(
      ([html]) => document.querySelector('[aria-label="Preview"]')
        .innerHTML.trim() === html.trim(),
      [rendered.json.html]);
  });
});

test('dropped image lands in the preview', async () => {
  await withStudio(suite.browser, 'drop image', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Markdown').fill('Before the image.\n\n');

    await dropFile(page, { bytes: [...PNG], name: 'dot.png',
                           type: 'image/png' });
    await page.waitForFunction(() => /!\[[^\]]*\]\([^)]*media\/uploads\//
      .test(document.querySelector('textarea').value));
    const image = page.getByRole('region', { name: 'Preview' })
      .locator('img[src*="media/uploads/"]');
    await image.waitFor();
    await page.waitForFunction(
      () => document.querySelector('[aria-label="Preview"] img')
        ?.naturalWidth === 2);

    // The image is saved with the post and served to readers.
    await waitForSaved(page);
    const post = await api.post(id);
    const url = post.source.match(/\]\(([^)]+)\)/)[1];
    const response = await fetch(new URL(url, `${server.origin}${post.url}`));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG);
  });
});

test('wrong image drops show an error', async () => {
  await withStudio(suite.browser, 'drop errors', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    await newPost(page);
    await page.getByLabel('Markdown').fill('Text stays.');

    // Over WriteKitMaxUploadSize (1 MB in this server's config).
    await dropFile(page, { bytes: [...PNG], size: 2 * 1048576,
                           name: 'huge.png', type: 'image/png' });
    const tooLarge = page.getByRole('alert').filter({ hasText: /too large/i });
    await tooLarge.waitFor();

    await dropFile(page, { bytes: [...Buffer.from('plain words')],
                           name: 'notes.txt', type: 'text/plain' });
    await page.getByRole('alert')
      .filter({ hasText: /not a supported image type/i }).waitFor();

    assert.equal(await page.getByLabel('Markdown').inputValue(), 'Text stays.');
    const media = await api.call('GET', 'media');
    assert.ok(media.json.media.every((m) => m.size < 1048576),
              'nothing too large was stored');
  });
});

test('reload in the middle of writing keeps the text', async () => {
  await withStudio(suite.browser, 'reload', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    const text = 'Words typed just before the reload.';
    await page.getByLabel('Markdown').pressSequentially(text);
    await page.reload();
    await waitForMarkdown(page, text);

    await waitForSaved(page);
    assert.equal((await api.post(id)).source, text);
  });
});

test('work in a closed tab comes back', async () => {
  await withStudio(suite.browser, 'closed tab', async (context, newPage) => {
    const first = await newPage();
    await signIn(first, server.origin);
    const id = await newPost(first);
    await waitForSaved(first);

    // The server is gone before the tab is closed, so only the
    // browser has the text.
    await server.stop();
    const text = 'Typed in a tab that was closed before it could save.';
    await first.getByLabel('Markdown').fill(text);
    await first.close({ runBeforeUnload: true });
    await server.start();

    const second = await newPage();
    await second.goto(`${server.origin}/studio/posts/${id}`);
    await waitForMarkdown(second, text);
    await waitForSaved(second);
    assert.equal((await api.post(id)).source, text);
  });
});

test('published post is served to readers without script', async () => {
  await withStudio(suite.browser, 'publish', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Title').fill('Published from the studio');
    await page.getByLabel('Tags').fill('studio, browsers');
    await page.getByLabel('Markdown').fill('Readers see *this* text.');
    await page.getByRole('button', { name: 'Publish' }).click();
    const view = page.getByRole('link', { name: 'View post' });
    await view.waitFor();
    await waitForSaved(page);

    const post = await api.post(id);
    assert.equal(post.status, 'published');
    assert.deepEqual([...post.tags].sort(), ['browsers', 'studio']);

    const href = new URL(await view.getAttribute('href'),
                         page.url()).toString();
    const reader = await newPage();
    const response = await reader.goto(href);
    assert.equal(response.status(), 200);
    const html = await response.text();
    assert.match(html, /Published from the studio/);
    assert.match(html, /<em>this<\/em>/);
    assert.doesNotMatch(html, /<script/i);
    assert.equal(await reader.evaluate(() => document.scripts.length), 0);
  });
});

test('two tabs on one post see the conflict', async () => {
  await withStudio(suite.browser, 'conflict', async (context, newPage) => {
    const one = await newPage();
    await signIn(one, server.origin);
    const id = await newPost(one);
    await one.getByLabel('Markdown').fill('The first draft.');
    await waitForSaved(one);

    const two = await newPage();
    await two.goto(`${server.origin}/studio/posts/${id}`);
    await waitForMarkdown(two, 'The first draft.');
    await waitForSaved(two);

    await one.getByLabel('Markdown').fill('Text from tab one.');
    await waitForSaved(one);
    const theirs = (await api.post(id)).revision;

    await two.getByLabel('Markdown').fill('Text from tab two.');
    const dialog = two.getByRole('dialog', { name: 'Conflict' });
    await dialog.waitFor();
    await saveStatus(two).filter({ hasText: 'Conflict' }).waitFor();
    assert.match(await dialog.innerText(), /Your version[\s\S]*Text from tab two/);
    assert.match(await dialog.innerText(), /Server version[\s\S]*Text from tab one/);

    await dialog.getByRole('button', { name: 'Keep mine' }).click();
    await waitForSaved(two);
    const mine = await api.post(id);
    assert.equal(mine.source, 'Text from tab two.');
    assert.ok(mine.revision > theirs);

    // Tab one's text is still in the history.
    const restored = await api.call('POST',
      `posts/${id}/revisions/${theirs}/restore`, { revision: mine.revision });
    assert.equal(restored.status, 200);
    assert.equal(restored.json.source, 'Text from tab one.');
  });
});

test('keep theirs keeps both versions', async () => {
  await withStudio(suite.browser, 'conflict keep theirs', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Markdown').fill('Shared start.');
    await waitForSaved(page);

    // Another author saves meanwhile.
    const base = await api.post(id);
    const other = await api.call('PATCH', `posts/${id}`,
      { source: 'Saved by another author.', revision: base.revision });
    assert.equal(other.status, 200);

    await page.getByLabel('Markdown').fill('Typed here.');
    const dialog = page.getByRole('dialog', { name: 'Conflict' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep theirs' }).click();
    await waitForMarkdown(page, 'Saved by another author.');
    await waitForSaved(page);

    const post = await api.post(id);
    assert.equal(post.source, 'Saved by another author.');
    const { json } = await api.call('GET', `posts/${id}/revisions`);
    const numbers = json.revisions.map((r) => r.revision);
    let found = false;
    for (const n of numbers) {
      const current = (await api.post(id)).revision;
      const r = await api.call('POST', `posts/${id}/revisions/${n}/restore`,
                               { revision: current });
      if (r.json?.source === 'Typed here.')
        found = true;
    }
    assert.ok(found, 'the text typed here is one of the revisions');
  });
});

test('typing while the server is down is saved when it is back', async () => {
  await withStudio(suite.browser, 'server restart', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);

    await server.stop();
    const text = 'Written while the server was down.';
    await page.getByLabel('Markdown').pressSequentially(text);
    await saveStatus(page).filter({ hasText: 'Offline' })
      .waitFor({ timeout: 15000 });

    await server.start();
    await waitForSaved(page, 20000);
    assert.equal((await api.post(id)).source, text);
  });
});

test('narrow screen needs no sideways scrolling', async () => {
  await withStudio(suite.browser, 'narrow screen', async (context, newPage) => {
    const page = await newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, server.origin);
    const fits = () => document.documentElement.scrollWidth <= window.innerWidth;
    assert.ok(await page.evaluate(fits), 'the post list fits');
    await newPost(page);
    await page.getByLabel('Markdown').fill('A line that is long enough to ' +
      'wrap several times on a phone held upright, with **bold** words.');
    assert.ok(await page.evaluate(fits), 'the editor fits');
    assert.ok(await page.getByLabel('Markdown').isVisible());
  });
});

test('media library inserts an earlier image', async () => {
  await withStudio(suite.browser, 'media library', async (context, newPage) => {
    // A 1x1 GIF, stored before the post is written.
    const gif = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
                            'base64');
    const item = await api.upload(gif, 'image/gif');

    const page = await newPage();
    await signIn(page, server.origin);
    await page.getByRole('navigation').getByRole('link', { name: 'Media' }).click();
    await page.getByRole('heading', { name: 'Media' }).waitFor();
    await page.getByRole('img', { name: item.path }).waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'Posts' }).click();
    const id = await newPost(page);
    await page.getByRole('button', { name: 'Media library' }).click();
    const dialog = page.getByRole('dialog', { name: 'Media library' });
    await dialog.getByRole('img', { name: item.path }).waitFor();
    const card = dialog.getByRole('listitem')
      .filter({ has: page.getByRole('img', { name: item.path }) });
    await card.getByRole('button', { name: 'Insert' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('region', { name: 'Preview' })
      .locator(`img[src$="${item.path}"]`).waitFor();
    await waitForSaved(page);
    assert.ok((await api.post(id)).source.includes(item.url));
  });
});

test('settings change reaches readers', async () => {
  await withStudio(suite.browser, 'settings', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' })
      .click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByLabel('Title').fill('Renamed in the studio');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' })
      .waitFor();
    const index = await (await fetch(`${server.origin}/`)).text();
    assert.match(index, /Renamed in the studio/);

    // An invalid value is shown at its field, and nothing is saved.
    const before = (await api.call('GET', 'settings')).json;
    const baseUrl = page.getByLabel('Base URL');
    await baseUrl.fill('ftp://example.test/');
    await page.getByLabel('Title').fill('Not saved');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('input[aria-invalid="true"]').first().waitFor();
    assert.equal(await baseUrl.getAttribute('aria-invalid'), 'true');
    const described = await baseUrl.getAttribute('aria-describedby');
    const message = await page.locator(`[id="${described.split(' ')[0]}"]`)
      .innerText();
    assert.ok(message.length > 0, 'the field names what is wrong');
    assert.deepEqual((await api.call('GET', 'settings')).json, before);
  });
});

test('posts list filters, searches and deletes', async () => {
  await withStudio(suite.browser, 'posts list', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Title').fill('Scheduled for later');
    const tomorrow = new Date(Date.now() + 86400 * 1000);
    const local = new Date(tomorrow.getTime()
                           - tomorrow.getTimezoneOffset() * 60000)
      .toISOString().slice(0, 16);
    await page.getByLabel('Publish at').fill(local);
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByRole('button', { name: 'Unpublish' }).waitFor();
    await waitForSaved(page);
    const post = await api.post(id);
    assert.equal(post.status, 'scheduled');
    assert.ok(Date.parse(post.published_at) > Date.now());

    await page.getByRole('navigation').getByRole('link', { name: 'Posts' })
      .click();
    const link = page.getByRole('link', { name: 'Scheduled for later' });
    await page.getByRole('button', { name: 'Scheduled', exact: true }).click();
    await link.waitFor();
    await page.getByRole('button', { name: 'Drafts', exact: true }).click();
    await link.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await page.getByLabel('Search posts').fill('Scheduled for');
    await link.waitFor();
    await page.getByRole('link', { name: 'Published from the studio' })
      .waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Delete Scheduled for later' })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete post' })
      .click();
    await link.waitFor({ state: 'detached' });
    assert.equal((await api.call('GET', `posts/${id}`)).status, 404);
  });
});

// Runs last: five failures lock sign-in from 127.0.0.1 for 15 minutes.
test('too many sign-in attempts are shown', async () => {
  await withStudio(suite.browser, 'sign-in rate limit', async (context, newPage) => {
    const page = await newPage();
    await page.goto(`${server.origin}/studio/`);
    const alert = page.getByRole('alert');
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('Email').fill('author@example.test');
      await page.getByLabel('Password').fill(`wrong password ${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await alert.filter({ hasText: /./ }).waitFor();
      if (/too many/i.test(await alert.innerText()))
        break;
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    }
    assert.match(await alert.innerText(), /too many/i);
    assert.match(await alert.innerText(), /minute|second/i,
                 'the message says how long to wait');
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
