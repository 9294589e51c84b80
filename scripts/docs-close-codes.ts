/**
 * Rewrites the close-code table in docs/protocol.md from src/realtime/close-codes.ts.
 *   npm run docs:close-codes            rewrite the file
 *   npm run docs:close-codes -- --check exit 1 when the file is stale (for CI)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceCloseCodeSection } from '../src/realtime/close-codes.doc';

const file = join(__dirname, '..', 'docs', 'protocol.md');
const before = readFileSync(file, 'utf8');
const after = replaceCloseCodeSection(before);

if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('docs/protocol.md: the close-code table is stale; run `npm run docs:close-codes`');
    process.exit(1);
  }
  console.log('docs/protocol.md: close-code table is current');
} else if (after === before) {
  console.log('docs/protocol.md: close-code table already current');
} else {
  writeFileSync(file, after);
  console.log('docs/protocol.md: close-code table rewritten');
}
