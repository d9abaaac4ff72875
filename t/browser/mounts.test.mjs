// The studio under WriteKitStudio /write/ with the blog under
// WriteKitMount /blog: the preview resolves relative URLs as readers'
// pages do, and its links never take the author out of the editor.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, signIn, useServer, waitForSaved,
         withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const studioPath = '/write/';
const server = new Server(port, {
  name: 'mounts',
  directives: [`WriteKitStudio ${studioPath}`, 'WriteKitMount /blog'],
  studioPath,
});
const api = new ApiClient(server.origin, { studioPath });
const suite = useServer(server, [api]);

// A 2x2 PNG, red and blue.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64');

// Creates a post whose markdown refers to an image, another post and a
// footnote with relative URLs, as an import writes them, and returns it.
async function createPostWithRelativeUrls() {
  const image = await api.upload(PNG, 'image/png');
  const settings = await api.call('PUT', 'settings', { allow_raw_html: true });
  assert.equal(settings.status, 200);

  // Paragraphs between the footnote's mark and its text put the text
  // below the fold, so following the mark has to scroll.
  const filler = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}.`)
    .join('\n\n');
  const source = `![dot](../media/${image.path})

<img alt="set" srcset="../media/${image.path} 1x">

A claim with a note[^1] and [a sibling post](sibling-post).

${filler}

[^1]: The footnote's text.
`;
  const { status, json } = await api.call('POST', 'posts',
    { title: 'Relative links', source });
  assert.equal(status, 201);
  return { post: json, image };
}

// Resolves when every image of the preview has loaded with the 2x2 PNG.
function imagesLoaded(page) {
  return page.waitForFunction(() => {
    const images = [...document.querySelectorAll('[aria-label="Preview"] img')];
    return images.length === 2 && images.every((img) => img.complete
                                               && img.naturalWidth === 2);
  });
}

test('preview resolves URLs against the post', async () => {
  await withStudio(suite.browser, 'preview relative urls', async (context, newPage) => {
    const { post, image } = await createPostWithRelativeUrls();
    const page = await newPage();
    await signIn(page, server.origin, { studioPath });
    await page.goto(`${server.origin}${studioPath}posts/${post.id}`);
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByRole('img', { name: 'dot' }).waitFor();

    const expected = `${server.origin}/blog/media/${image.path}`;
    await imagesLoaded(page);
    assert.equal(await preview.getByRole('img', { name: 'dot' })
      .evaluate((img) => img.currentSrc), expected);
    assert.equal(await preview.getByRole('img', { name: 'set' })
      .evaluate((img) => img.currentSrc), expected);
    const link = preview.getByRole('link', { name: 'a sibling post' });
    assert.equal(await link.evaluate((a) => a.href),
                 `${server.origin}/blog/posts/sibling-post`);

    // The live preview of typed text resolves the same way.
    await page.getByLabel('Markdown').press('End');
    await page.getByLabel('Markdown').pressSequentially('\n\nOne more line.');
    await preview.getByText('One more line.').waitFor();
    await imagesLoaded(page);
    await waitForSaved(page);
  });
});

test('preview links keep the editor open', async () => {
  await withStudio(suite.browser, 'preview links', async (context, newPage) => {
    const { post } = await createPostWithRelativeUrls();
    const page = await newPage();
    await signIn(page, server.origin, { studioPath });
    const editorUrl = `${server.origin}${studioPath}posts/${post.id}`;
    await page.goto(editorUrl);
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByRole('img', { name: 'dot' }).waitFor();

    // The footnote mark scrolls to the footnote, inside the page.
    const mark = preview.locator('a[href^="#fn"]').first();
    const targetId = (await mark.getAttribute('href')).slice(1);
    const note = preview.locator(`[id="${targetId}"]`);
    const inView = () => note.evaluate((element) => {
      const box = element.getBoundingClientRect();
      return box.top >= 0 && box.top < window.innerHeight;
    });
    assert.equal(await inView(), false, 'the footnote starts out of view');
    await mark.click();
    await page.waitForFunction((id) => {
      const box = document.querySelector(`[aria-label="Preview"] [id="${id}"]`)
        .getBoundingClientRect();
      return box.top >= 0 && box.top < window.innerHeight;
    }, targetId);
    assert.equal(page.url(), editorUrl);
    await page.getByRole('heading', { name: 'Edit post' }).waitFor();

    // Any other link opens in a new tab, without this page as opener.
    const link = preview.getByRole('link', { name: 'a sibling post' });
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.deepEqual((await link.getAttribute('rel')).split(' ').sort(),
                     ['noopener', 'noreferrer']);
    const [tab] = await Promise.all([context.waitForEvent('page'),
                                     link.click()]);
    await tab.waitForLoadState();
    assert.equal(tab.url(), `${server.origin}/blog/posts/sibling-post`);
    assert.equal(page.url(), editorUrl);
    await tab.close();
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
