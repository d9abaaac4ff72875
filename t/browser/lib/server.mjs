// A throwaway httpd for the browser tests: the built module, the built
// studio and one blog with one author, on 127.0.0.1 only.  Tests stop and
// start it again to play a server restart while an author types.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)),
                                '../../..');
export const logDir = path.join(top, 't/browser/logs');

export const author = { email: 'author@example.test',
                        password: 'a long test password' };

// Backstop: httpd ends itself after this many seconds even if the test
// process dies without stopping it.
const SERVER_LIFETIME = 1200;

function configValue(name) {
  const text = fs.readFileSync(path.join(top, 'config.mk'), 'utf8');
  const match = text.match(new RegExp(`^${name} = (.*)$`, 'm'));
  if (!match)
    throw new Error(`config.mk has no ${name}; run ./configure`);
  return match[1].trim();
}

function writekit(args, input) {
  return execFileSync(path.join(top, 'build/writekit'), args,
                      { input, encoding: 'utf8' });
}

export class Server {
  // Options: `name` names the error log (NAME.error_log in t/browser/logs),
  // so that each test file keeps its own. `directives` go into the virtual
  // host, and `modules` names extra Apache modules to load, such as
  // 'auth_basic'. `studioPath` is the WriteKitStudio path those
  // directives set, if any.
  constructor(port, { name = '', directives = [], modules = [],
                      studioPath = '/studio/' } = {}) {
    this.port = port;
    this.origin = `http://127.0.0.1:${port}`;
    this.process = null;
    this.name = name;
    this.directives = directives;
    this.modules = modules;
    this.studioPath = studioPath;
  }

  // Creates the server root: the blog, the studio's files and the config.
  setup() {
    const studio = path.join(top, 'studio/dist');
    if (!fs.existsSync(path.join(studio, 'index.html')))
      throw new Error(`${studio}/index.html is missing; run make (needs npm)`);

    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'wk-browser-'));
    fs.chmodSync(this.root, 0o755);
    fs.mkdirSync(logDir, { recursive: true });

    // httpd started as root runs its children as nobody, who must reach
    // the studio's files and write the tenant file and its WAL.
    fs.cpSync(studio, path.join(this.root, 'studio'), { recursive: true });
    execFileSync('chmod', ['-R', 'a+rX', path.join(this.root, 'studio')]);
    const tenants = path.join(this.root, 'tenants');
    fs.mkdirSync(tenants, { mode: 0o1777 });
    fs.chmodSync(tenants, 0o1777);
    this.tenant = path.join(tenants, 'blog.db');
    writekit(['init', this.tenant, '--title', 'Browser test blog',
              '--base-url', this.origin]);
    this.addAuthor(author);
    fs.chmodSync(this.tenant, 0o666);

    this.errorLog = path.join(logDir,
                              this.name ? `${this.name}.error_log` : 'error_log');
    fs.writeFileSync(this.errorLog, '');
    fs.writeFileSync(path.join(this.root, 'httpd.conf'), this.config());
  }

  // Adds an author account ({email, password}) to the blog.
  addAuthor({ email, password }) {
    writekit(['user', 'add', this.tenant, email], `${password}\n`);
  }

  config() {
    const modules = execFileSync(configValue('APXS'), ['-q', 'LIBEXECDIR'],
                                 { encoding: 'utf8' }).trim();
    const user = process.getuid() === 0 ? 'User nobody\nGroup nogroup\n' : '';
    const extraModules = this.modules.map((name) =>
      `LoadModule ${name}_module ${modules}/mod_${name}.so\n`).join('');
    const directives = this.directives.map((line) => `    ${line}\n`).join('');
    return `# Written by t/browser/lib/server.mjs for one test run.
ServerRoot "${this.root}"
Listen 127.0.0.1:${this.port}
ServerName 127.0.0.1
PidFile "${this.root}/httpd.pid"
DefaultRuntimeDir "${this.root}"
ErrorLog "${this.errorLog}"
LogLevel info
TypesConfig /etc/mime.types
DocumentRoot "${this.root}"
${user}
LoadModule mpm_event_module ${modules}/mod_mpm_event.so
LoadModule authz_core_module ${modules}/mod_authz_core.so
LoadModule mime_module ${modules}/mod_mime.so
${extraModules}LoadModule writekit_module "${top}/build/mod_writekit.so"

WriteKitTheme "${top}/templates/default"
WriteKitTenantDir "${this.root}/tenants"
WriteKitStudioFiles "${this.root}/studio"
WriteKitMaxUploadSize 1048576

<VirtualHost 127.0.0.1:${this.port}>
    WriteKit on
    WriteKitTenant blog.db
${directives}</VirtualHost>
`;
  }

  async start() {
    const httpd = configValue('HTTPD');
    this.process = spawn('timeout', ['--signal=TERM', String(SERVER_LIFETIME),
                                     httpd, '-f',
                                     path.join(this.root, 'httpd.conf'),
                                     '-DFOREGROUND'],
                         { stdio: ['ignore', 'inherit', 'inherit'] });
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    for (let i = 0; i < 100; i++) {
      if (await this.answers())
        return;
      if (this.process.exitCode !== null)
        break;
      await sleep(100);
    }
    throw new Error(`httpd did not start on ${this.origin}; see ${this.errorLog}`);
  }

  async answers() {
    try {
      await fetch(`${this.origin}/`, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      return false;
    }
  }

  // Stops httpd and waits until the port refuses connections.
  async stop() {
    if (this.process === null)
      return;
    this.process.kill('SIGTERM');
    await this.exited;
    this.process = null;
    for (let i = 0; i < 100 && await this.answers(); i++)
      await sleep(100);
  }

  async cleanup() {
    await this.stop();
    if (this.root)
      fs.rmSync(this.root, { recursive: true, force: true });
  }

  // Lines of the error log at error level or worse.
  errors() {
    return fs.readFileSync(this.errorLog, 'utf8').split('\n')
      .filter((line) => /:(error|crit|alert|emerg)\]/.test(line));
  }
}
