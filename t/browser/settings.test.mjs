// The settings page: errors named by the field's label, a warning before
// unsaved changes are left behind, and what "Allow raw HTML" does.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, signIn, useServer, withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'settings' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

async function openSettings(page) {
  await page.getByRole('navigation').getByRole('link', { name: 'Settings' })
    .click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await page.getByLabel('Title').waitFor();
}

// Returns the text of the elements that describe an input (its hint and
// error), or of its error alone when `errorOnly` is set.
async function description(input, { errorOnly = false } = {}) {
  const ids = ((await input.getAttribute('aria-describedby')) ?? '')
    .split(' ').filter((id) => id && (!errorOnly || id.endsWith('-error')));
  const texts = [];
  for (const id of ids)
    texts.push(await input.page().locator(`[id="${id}"]`).innerText());
  return texts.join(' ');
}

test('settings errors name the label', async () => {
  await withStudio(suite.browser, 'settings error labels', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    await openSettings(page);
    const cases = [
      { label: 'Base URL', name: 'base_url', value: 'ftp://example.test/' },
      { label: 'Posts per page', name: 'posts_per_page', value: '500' },
      { label: 'Time zone', name: 'timezone', value: 'Mars/Olympus' },
    ];
    for (const { label, name, value } of cases) {
      const input = page.getByLabel(label, { exact: true });
      const before = await input.inputValue();
      await input.fill(value);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await input.and(page.locator('[aria-invalid="true"]')).waitFor();
      const message = await description(input, { errorOnly: true });
      assert.match(message, new RegExp(`^${label} `), `${label}: ${message}`);
      assert.doesNotMatch(message, new RegExp(name), `${label}: ${message}`);
      await input.fill(before);
    }
  });
});

test('leaving unsaved settings asks first', async () => {
  await withStudio(suite.browser, 'settings leave warning', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    await openSettings(page);
    const title = page.getByLabel('Title');
    const saved = await title.inputValue();
    const dialogs = [];
    let answer = 'dismiss';
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.type());
      await dialog[answer]();
    });

    // A link in the studio: the author stays.
    await title.fill('Changed but not saved');
    const media = page.getByRole('navigation').getByRole('link', { name: 'Media' });
    await media.click();
    assert.deepEqual(dialogs, ['confirm']);
    assert.equal(await title.inputValue(), 'Changed but not saved');
    assert.match(page.url(), /\/studio\/settings$/);

    // Back: the author stays too.
    await page.goBack();
    await page.waitForFunction(() => location.pathname.endsWith('/settings'));
    assert.deepEqual(dialogs, ['confirm', 'confirm']);
    assert.equal(await title.inputValue(), 'Changed but not saved');

    // A reload asks the browser's own question.
    await Promise.all([
      page.waitForEvent('dialog'),
      page.evaluate(() => { setTimeout(() => window.location.reload(), 0); }),
    ]);
    assert.deepEqual(dialogs, ['confirm', 'confirm', 'beforeunload']);
    assert.equal(await title.inputValue(), 'Changed but not saved');

    // The author agrees to leave; nothing was saved.
    answer = 'accept';
    await media.click();
    await page.getByRole('heading', { name: 'Media' }).waitFor();
    assert.equal(dialogs.length, 4);
    assert.equal((await api.call('GET', 'settings')).json.title, saved);

    // Once the changes are saved, nothing is asked.
    await openSettings(page);
    await title.fill('Saved before leaving');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Posts' }).click();
    await page.getByRole('heading', { name: 'Posts' }).waitFor();
    assert.equal(dialogs.length, 4, 'no question after saving');
    assert.equal((await api.call('GET', 'settings')).json.title,
                 'Saved before leaving');
  });
});

test('raw HTML setting says what it allows', async () => {
  await withStudio(suite.browser, 'settings raw html hint', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    await openSettings(page);
    const hint = await description(page.getByLabel('Allow raw HTML'));
    assert.match(hint, /HTML/);
    assert.match(hint, /script/i, 'it says what is removed');
    assert.match(hint, /iframe/i, 'it names the iframe hosts');
    assert.match(hint, /already saved/i, 'it says which posts change');
  });
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
