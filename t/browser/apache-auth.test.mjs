// The studio with WriteKitStudioAuth apache: Apache's Basic
// authentication signs authors in, so the studio offers no sign-out, and
// an Apache user without an author account gets a message, not a form.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { author, Server } from './lib/server.mjs';
import { newPost, useServer, waitForSaved, withStudio } from './lib/studio.mjs';

const stranger = { email: 'stranger@example.test', password: 'no author here' };

// httpd's children run as the user nobody, who must read the password file.
const passwordDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wk-htpasswd-'));
fs.chmodSync(passwordDir, 0o755);
const passwordFile = path.join(passwordDir, 'htpasswd');
for (const [i, user] of [author, stranger].entries()) {
  execFileSync('htpasswd', [i === 0 ? '-cbB' : '-bB', passwordFile, user.email,
                            user.password], { stdio: 'ignore' });
}
fs.chmodSync(passwordFile, 0o644);
after(() => fs.rmSync(passwordDir, { recursive: true, force: true }));

const port = Number(process.env.WK_BROWSER_PORT ?? 8540);
const server = new Server(port, {
  name: 'apache-auth',
  modules: ['authn_core', 'authn_file', 'authz_user', 'auth_basic'],
  directives: [
    'WriteKitStudioAuth apache',
    '<Location /studio/>',
    '    AuthType Basic',
    '    AuthName studio',
    `    AuthUserFile "${passwordFile}"`,
    '    Require valid-user',
    '</Location>',
  ],
});
const suite = useServer(server);

function credentials(user) {
  return { httpCredentials: { username: user.email, password: user.password } };
}

test('apache author has no sign-out', async () => {
  await withStudio(suite.browser, 'apache auth author', async (context, newPage) => {
    const page = await newPage();
    await page.goto(`${server.origin}/studio/`);
    await page.getByRole('heading', { name: 'Posts' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);

    // Writing works, with the Origin header in place of a CSRF token.
    await newPost(page);
    await page.getByLabel('Markdown').fill('Written behind Basic authentication.');
    await waitForSaved(page);
  }, credentials(author));
});

test('apache user without account told', async () => {
  await withStudio(suite.browser, 'apache auth stranger', async (context, newPage) => {
    const page = await newPage();
    await page.goto(`${server.origin}/studio/`);
    const heading = page.getByRole('heading', { name: 'No author account' });
    await heading.waitFor();
    const text = await page.locator('main').innerText();
    assert.match(text, /stranger@example\.test/);
    assert.match(text, /administrator/);
    assert.equal(await page.getByLabel('Email').count(), 0);
    assert.equal(await page.getByLabel('Password').count(), 0);
  }, credentials(stranger));
});

test('server logged no errors', () => {
  assert.deepEqual(server.errors(), []);
});
