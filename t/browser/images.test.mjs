// Images dropped into the editor or picked from the media library: each
// gets its own lines and an alt text, several keep the order they were
// dropped in, and rejected files get error cards that stay apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, dropFiles, newPost, signIn, useServer, waitForSaved,
         withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'images' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

// A 2x2 PNG; `variant` changes one byte after the image data, so that
// each variant is stored under its own path.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64');

function png(name, variant = 0) {
  return { bytes: [...PNG, variant], name, type: 'image/png' };
}

const image = (alt) => `!\\[${alt}\\]\\([^)\\s]*/media/uploads/[0-9a-f]+\\.png\\)`;

// Writes `text` into the markdown and puts the caret at `caret`.
async function writeWithCaret(page, text, caret) {
  const markdown = page.getByLabel('Markdown');
  await markdown.fill(text);
  await markdown.evaluate((textarea, at) => {
    textarea.focus();
    textarea.setSelectionRange(at, at);
  }, caret);
}

// Waits until the markdown matches `pattern`, and returns it. On a
// timeout the error shows the markdown and the upload cards as they were.
async function waitForSource(page, pattern) {
  try {
    await page.waitForFunction((source) => new RegExp(source)
      .test(document.querySelector('textarea').value), pattern.source);
  } catch (error) {
    const markdown = await page.getByLabel('Markdown').inputValue()
      .catch(() => '(unreadable)');
    const cards = await page.getByRole('alert').allInnerTexts()
      .catch(() => []);
    error.message += `\nmarkdown: ${JSON.stringify(markdown)}`
      + `\nupload errors: ${JSON.stringify(cards)}`;
    throw error;
  }
  return page.getByLabel('Markdown').inputValue();
}

// The name of the file a media upload carries, read off its multipart body.
function uploadedName(request) {
  const body = request.postDataBuffer()?.toString('latin1') ?? '';
  return /filename="([^"]*)"/.exec(body)?.[1];
}

function overlap(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width
    && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function startPost(page) {
  await signIn(page, server.origin);
  const id = await newPost(page);
  await waitForSaved(page);
  return id;
}

test('dropped images get their own lines', async () => {
  await withStudio(suite.browser, 'images own lines', async (context, newPage) => {
    const page = await newPage();
    const id = await startPost(page);

    await writeWithCaret(page, 'End.', 4);
    await dropFiles(page, [png('first shot.png', 1), png('second.png', 2)]);
    const end = new RegExp(`^End\\.\\n\\n${image('first shot')}\\n\\n${image('second')}$`);
    await waitForSource(page, end);

    await writeWithCaret(page, 'Start.', 0);
    await dropFiles(page, [png('lead.png', 3)]);
    await waitForSource(page, new RegExp(`^${image('lead')}\\n\\nStart\\.$`));

    await writeWithCaret(page, 'Line one. Line two.', 9);
    await dropFiles(page, [png('middle.png', 4)]);
    const middle = new RegExp(`^Line one\\.\\n\\n${image('middle')}\\n\\nLine two\\.$`);
    await waitForSource(page, middle);

    await waitForSaved(page);
    assert.match((await api.post(id)).source, middle);
  });
});

test('images keep the order they were dropped', async () => {
  await withStudio(suite.browser, 'images in drop order', async (context, newPage) => {
    const page = await newPage();
    await startPost(page);

    // The first file's upload is held back until the others are done.
    // It is picked by name: the browser need not send the three uploads
    // in the order they were dropped.
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    let firstHeld = false;
    await page.route('**/api/media', async (route) => {
      if (route.request().method() === 'POST'
          && uploadedName(route.request()) === 'one.png') {
        firstHeld = true;
        await released;
      }
      await route.continue();
    });

    await writeWithCaret(page, 'Gallery:', 8);
    await dropFiles(page, [png('one.png', 5), png('two.png', 6),
                           png('three.png', 7)]);
    await waitForSource(page, new RegExp(`${image('two')}\\n\\n${image('three')}`));
    assert.ok(firstHeld, 'the upload of one.png was held back');
    assert.doesNotMatch(await page.getByLabel('Markdown').inputValue(),
                        new RegExp(image('one')));
    release();

    const all = new RegExp(`^Gallery:\\n\\n${image('one')}\\n\\n${image('two')}`
                           + `\\n\\n${image('three')}$`);
    await waitForSource(page, all);
  });
});

test('failed upload leaves no placeholder', async () => {
  await withStudio(suite.browser, 'failed upload placeholder', async (context, newPage) => {
    const page = await newPage();
    await startPost(page);

    // The server rejects bytes that are no image, whatever the file's name.
    await writeWithCaret(page, 'Before.', 7);
    await dropFiles(page, [png('good.png', 8),
                           { bytes: [...Buffer.from('not an image')],
                             name: 'fake.png', type: 'image/png' }]);
    await page.getByRole('alert').filter({ hasText: 'fake.png' }).waitFor();
    await waitForSource(page, new RegExp(`^Before\\.\\n\\n${image('good')}$`));
  });
});

test('error cards stay apart and dismiss', async () => {
  await withStudio(suite.browser, 'error cards', async (context, newPage) => {
    const page = await newPage();
    await startPost(page);
    await writeWithCaret(page, 'Text stays.', 11);

    const notes = { bytes: [...Buffer.from('plain words')], type: 'text/plain' };
    await dropFiles(page, [{ ...notes, name: 'first.txt' }], { x: 40, y: 40 });
    await dropFiles(page, [{ ...notes, name: 'second.txt' }], { x: 40, y: 140 });
    const first = page.getByRole('alert').filter({ hasText: 'first.txt' });
    const second = page.getByRole('alert').filter({ hasText: 'second.txt' });
    await first.waitFor();
    await second.waitFor();

    const markdownBox = await page.getByLabel('Markdown').boundingBox();
    const firstBox = await first.boundingBox();
    const secondBox = await second.boundingBox();
    assert.ok(!overlap(firstBox, secondBox), 'the cards do not overlap');
    assert.ok(!overlap(firstBox, markdownBox), 'the first card leaves the text free');
    assert.ok(!overlap(secondBox, markdownBox), 'the second card leaves the text free');

    // Each card's own button dismisses it; playwright clicks only a
    // button that no other element covers.
    await first.getByRole('button', { name: /Dismiss/ }).click();
    await first.waitFor({ state: 'detached' });
    await second.getByRole('button', { name: /Dismiss/ }).click();
    await second.waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Markdown').inputValue(), 'Text stays.');
  });
});

test('library image gets its own lines', async () => {
  await withStudio(suite.browser, 'library own lines', async (context, newPage) => {
    const item = await api.upload(Buffer.from([...PNG, 9]), 'image/png');
    const page = await newPage();
    await startPost(page);
    await writeWithCaret(page, 'Line one. Line two.', 9);

    await page.getByRole('button', { name: 'Media library' }).click();
    const dialog = page.getByRole('dialog', { name: 'Media library' });
    const card = dialog.getByRole('listitem')
      .filter({ has: page.getByRole('img', { name: item.path }) });
    await card.getByRole('button', { name: 'Insert' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const expected = `Line one.\n\n![](${item.url})\n\nLine two.`;
    await waitForSource(page, new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
