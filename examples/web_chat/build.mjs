// Bundles the page's module and the chat SDK into dist/chat.js with esbuild: `npm run build`
// (the tests run `node build.mjs`). dist/ is not committed.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

await build({
  absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
  entryPoints: ['page/chat.js'],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  outfile: 'dist/chat.js',
  logLevel: 'warning',
});
