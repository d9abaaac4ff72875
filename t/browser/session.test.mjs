// Signing out and in on a shared browser: the last change is saved
// before the session ends, text the server lacks stays only with the
// author's consent, and a second author never gets the first one's text.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { author, Server } from './lib/server.mjs';
import { ApiClient, newPost, signIn, useServer, waitForSaved,
         watchApi, withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'session' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

const second = { email: 'second@example.test', password: 'the second password' };

// The keys of the studio's local copies in the page's localStorage.
function localCopyKeys(page) {
  return page.evaluate(() => Object.keys(localStorage)
    .filter((key) => key.startsWith('writekit:copy:')));
}

// Waits until the server has rejected a save.
async function saveFailed(page) {
  await page.getByRole('status').filter({ hasText: /^Save failed/ }).waitFor();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
}

// Types a title over the server's limit of 1024 bytes, so the change
// stays on this device only, and returns it.
async function typeRejectedTitle(page, letter) {
  const title = letter.repeat(1100);
  await page.getByLabel('Title').fill(title);
  await saveFailed(page);
  return title;
}

test('sign-out saves the last change', async () => {
  await withStudio(suite.browser, 'sign-out saves', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);
    const requests = watchApi(page);

    const text = 'Typed just before signing out.';
    await page.getByLabel('Markdown').fill(text);
    await signOut(page);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    assert.equal((await api.post(id)).source, text);
    const patch = requests.list('PATCH', /^posts\/\d+$/);
    const signOutRequest = requests.list('DELETE', /^session$/);
    assert.equal(patch.length, 1);
    assert.equal(signOutRequest.length, 1);
    assert.deepEqual(await localCopyKeys(page), [],
                     'no local copy is left after signing out');
  });
});

test('sign-out asks when a save fails', async () => {
  await withStudio(suite.browser, 'sign-out unsaved', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);

    const title = await typeRejectedTitle(page, 'x');

    await signOut(page);
    const dialog = page.getByRole('dialog', { name: 'Sign out?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /not (been )?saved/i);
    assert.match(await dialog.innerText(), /this device/i);

    await dialog.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Title').inputValue(), title);
    assert.notEqual((await api.post(id)).title, title);

    await signOut(page);
    await dialog.getByRole('button', { name: /Sign out and keep/ }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal((await localCopyKeys(page)).length, 1,
                 'the text the server lacks stays on this device');
  });
});

test('second author never gets the first one\'s text', async () => {
  server.addAuthor(second);
  await withStudio(suite.browser, 'two authors one browser', async (context, newPage) => {
    // The first author leaves text the server rejected on this device.
    const first = await newPage();
    await signIn(first, server.origin);
    const id = await newPost(first);
    await waitForSaved(first);
    const title = await typeRejectedTitle(first, 'y');
    await signOut(first);
    await first.getByRole('dialog', { name: 'Sign out?' })
      .getByRole('button', { name: /Sign out and keep/ }).click();
    await first.getByRole('heading', { name: 'Sign in' }).waitFor();
    await first.close();

    // The second author opens the same post in a new tab.
    const page = await newPage();
    await signIn(page, server.origin, { user: second });
    const requests = watchApi(page);
    await page.goto(`${server.origin}/studio/posts/${id}`);
    await page.getByRole('heading', { name: 'Edit post' }).waitFor();
    await waitForSaved(page);
    await requests.quiet();
    assert.equal(await page.getByLabel('Title').inputValue(), 'Untitled');
    assert.equal(requests.list('PATCH', /^posts\/\d+$/).length, 0);
    assert.equal((await api.post(id)).title, 'Untitled');
    await signOut(page);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal((await localCopyKeys(page)).length, 1,
                 'the first author\'s copy is still there');

    // Back in, the first author finds the text again.
    await signIn(page, server.origin, { user: author });
    await page.goto(`${server.origin}/studio/posts/${id}`);
    await page.waitForFunction((expected) => document
      .querySelector('.title-field input')?.value === expected, title);
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
