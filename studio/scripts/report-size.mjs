// Prints the gzipped size of every JavaScript file in dist/ and their total,
// and exits with status 1 when the total is over the studio's budget.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const budgetBytes = 100 * 1024;
const distDir = fileURLToPath(new URL('../dist/', import.meta.url));

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...(await listFiles(path)));
    } else {
      files.push(path);
    }
  }
  return files;
}

const scripts = (await listFiles(distDir)).filter((path) => /\.m?js$/.test(path));
if (scripts.length === 0) {
  console.error(`report-size: no JavaScript files found in ${distDir}; run vite build first`);
  process.exit(1);
}

let totalBytes = 0;
for (const path of scripts) {
  const gzippedBytes = gzipSync(await readFile(path)).length;
  totalBytes += gzippedBytes;
  console.log(`${relative(distDir, path)}: ${gzippedBytes} bytes gzipped`);
}

const verdict = totalBytes <= budgetBytes ? 'within' : 'OVER';
console.log(`total JavaScript: ${totalBytes} bytes gzipped, ${verdict} the budget of ${budgetBytes} bytes`);
process.exit(totalBytes <= budgetBytes ? 0 : 1);
