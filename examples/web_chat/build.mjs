// Bundles the page's module and the chat SDK into dist/chat.js with esbuild: `npm run build`
// (the tests run `node build.mjs`). dist/ is not committed.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const built = await build({
  absWorkingDir: here,
  entryPoints: ['page/chat.js'],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  outfile: 'dist/chat.js',
  logLevel: 'warning',
  write: false,
});
// Written whole, then renamed into place: a page loading the bundle while another test run
// (another pytest-xdist worker) rebuilds it never reads half a file.
mkdirSync(`${here}dist`, { recursive: true });
for (const file of built.outputFiles) {
  const partial = `${file.path}.${process.pid}.partial`;
  writeFileSync(partial, file.contents);
  renameSync(partial, file.path);
}
