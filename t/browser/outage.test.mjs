// The blog's database unavailable while the author types: the change is
// kept on this device, the save indicator counts down to the retry, and
// the change is saved once the tenant file is back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

import { Server } from './lib/server.mjs';
import { ApiClient, newPost, signIn, useServer, waitForSaved,
         withStudio } from './lib/studio.mjs';

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, { name: 'outage' });
const api = new ApiClient(server.origin);
const suite = useServer(server, [api]);

// Reads the seconds of "Retrying in N s" off the save indicator.
async function retrySeconds(status) {
  const match = (await status.innerText()).match(/Retrying in (\d+) s/);
  assert.ok(match, 'the indicator says when it retries');
  return Number(match[1]);
}

test('database outage keeps the change', async () => {
  await withStudio(suite.browser, 'database outage', async (context, newPage) => {
    const page = await newPage();
    await signIn(page, server.origin);
    const id = await newPost(page);
    await waitForSaved(page);

    // The module responds with 503 and Retry-After while the file is gone.
    const away = `${server.tenant}.away`;
    fs.renameSync(server.tenant, away);
    const text = 'Typed while the database was away.';
    try {
      await page.getByLabel('Markdown').fill(text);
      const status = page.getByRole('status').filter({ hasText: /Retrying/ });
      await status.waitFor();
      const message = await status.innerText();
      assert.doesNotMatch(message, /Save failed/);
      assert.match(message, /^Unsaved changes/);
      assert.match(message, /safe on this device/);

      const first = await retrySeconds(status);
      await page.waitForFunction(([seconds]) => {
        const match = [...document.querySelectorAll('[role="status"]')]
          .map((element) => element.textContent.match(/Retrying in (\d+) s/))
          .find(Boolean);
        return match && Number(match[1]) < seconds;
      }, [first]);
    } finally {
      fs.renameSync(away, server.tenant);
    }

    // Ctrl-S saves at once, without waiting for the retry.
    await page.getByLabel('Markdown').press('Control+s');
    await waitForSaved(page);
    assert.equal((await api.post(id)).source, text);
  });
});

test('server logged only the outage', () => {
  const errors = server.errors();
  assert.ok(errors.length > 0, 'the missing tenant file is logged');
  for (const line of errors)
    assert.match(line, /WK00002/);
});
