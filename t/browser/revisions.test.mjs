// The revision history in the editor, and conflicts whose "Keep mine"
// keeps the other side's changes to fields the author left alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, newPost, signIn, useServer, waitForMarkdown, waitForSaved,
         withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'revisions' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

async function openHistory(page) {
  await page.getByRole('button', { name: 'Revision history' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revision history' });
  await dialog.waitFor();
  return dialog;
}

// Restores revision `number` from the history and waits for its text.
async function restore(page, number, text) {
  const dialog = await openHistory(page);
  await dialog.getByRole('button', { name: `Restore revision ${number}`,
                                     exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await waitForMarkdown(page, text);
  await waitForSaved(page);
}

// Saves a change to the post from outside the browser, as another
// author would, and returns the new revision.
async function saveElsewhere(id, changes) {
  const base = await api.post(id);
  const { status, json } = await api.call('PATCH', `posts/${id}`,
    { ...changes, revision: base.revision });
  assert.equal(status, 200);
  return json.revision;
}

test('history restores an older version', async () => {
  await withStudio(suite.browser, 'revision history', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    const markdown = page.getByLabel('Markdown');
    await markdown.fill('First version.');
    await waitForSaved(page);
    const first = (await api.post(id)).revision;
    await markdown.fill('Second version.');
    await waitForSaved(page);
    const second = (await api.post(id)).revision;

    const dialog = await openHistory(page);
    const rows = dialog.getByRole('listitem');
    await rows.first().waitFor();
    assert.match(await dialog.innerText(), new RegExp(`Revision ${first}\\b`));
    assert.equal(await dialog.getByRole('button',
      { name: `Restore revision ${second}`, exact: true }).count(), 0,
      'the current revision is not offered');
    await dialog.getByRole('button', { name: 'Close' }).click();

    await restore(page, first, 'First version.');
    const restored = await api.post(id);
    assert.equal(restored.source, 'First version.');
    assert.ok(restored.revision > second);

    // The text replaced by the restore is in the history too.
    await restore(page, second, 'Second version.');
    assert.equal((await api.post(id)).source, 'Second version.');
  });
});

test('history shows a revision before restoring', async () => {
  await withStudio(suite.browser, 'revision text', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    const markdown = page.getByLabel('Markdown');
    await markdown.fill('Words of the older version.');
    await waitForSaved(page);
    const older = (await api.post(id)).revision;
    await markdown.fill('Words of the newer version.');
    await waitForSaved(page);

    const dialog = await openHistory(page);
    await dialog.getByRole('button', { name: `Show revision ${older}`,
                                       exact: true }).click();
    const text = dialog.getByRole('region', { name: `Revision ${older}` });
    await text.getByText('Words of the older version.').waitFor();
    assert.equal(await markdown.inputValue(), 'Words of the newer version.',
                 'showing a revision changes nothing in the editor');
  });
});

test('keep mine keeps their other fields', async () => {
  await withStudio(suite.browser, 'keep mine merges', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Markdown').fill('Shared start.');
    await waitForSaved(page);

    const theirs = await saveElsewhere(id, { title: 'Title from elsewhere',
                                             source: 'Their text.' });
    await page.getByLabel('Markdown').fill('My text.');
    const dialog = page.getByRole('dialog', { name: 'Conflict' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Keep mine also keeps[^.]*Title/);

    await dialog.getByRole('button', { name: 'Keep mine' }).click();
    await waitForSaved(page);
    const post = await api.post(id);
    assert.equal(post.source, 'My text.');
    assert.equal(post.title, 'Title from elsewhere');
    assert.equal(await page.getByLabel('Title').inputValue(),
                 'Title from elsewhere');

    // The server's version stays in the history, as the dialog promises.
    await restore(page, theirs, 'Their text.');
  });
});

test('keep mine merges after a reload', async () => {
  await withStudio(suite.browser, 'keep mine after reload', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Markdown').fill('Shared start.');
    await waitForSaved(page);

    await saveElsewhere(id, { title: 'Renamed elsewhere' });
    await page.getByLabel('Markdown').fill('Changed here.');
    const dialog = page.getByRole('dialog', { name: 'Conflict' });
    await dialog.waitFor();

    // The local copy brings back the conflict and what it builds on.
    await page.reload();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep mine' }).click();
    await waitForSaved(page);
    const post = await api.post(id);
    assert.equal(post.source, 'Changed here.');
    assert.equal(post.title, 'Renamed elsewhere');
  });
});

test('keep theirs can be undone from history', async () => {
  await withStudio(suite.browser, 'keep theirs history', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await page.getByLabel('Markdown').fill('Shared start.');
    await waitForSaved(page);

    await saveElsewhere(id, { source: 'Saved elsewhere.' });
    await page.getByLabel('Markdown').fill('Typed here.');
    const dialog = page.getByRole('dialog', { name: 'Conflict' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep theirs' }).click();
    await waitForMarkdown(page, 'Saved elsewhere.');
    await waitForSaved(page);

    // The author's version is the revision before the current one.
    const mine = (await api.post(id)).revision - 1;
    await restore(page, mine, 'Typed here.');
    assert.equal((await api.post(id)).source, 'Typed here.');
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
