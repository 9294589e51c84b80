import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/security.md names, for each threat, the tests that prove the defence.
 * A renamed or deleted test must not leave the document claiming a proof that
 * no longer exists: every row's test must still be in its file.
 */
const ROOT = join(__dirname, '..');
const DOC = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');

/** Test titles as the source writes them, with quotes unescaped. */
function titlesIn(file: string): Set<string> {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const titles = new Set<string>();
  for (const m of source.matchAll(/\bit(?:\.each\([\s\S]*?\))?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) titles.add(m[2].replace(/\\(.)/g, '$1'));
  return titles;
}

describe('docs/security.md', () => {
  const rows = [...DOC.matchAll(/^\| (.+) \| (\S+[.-]spec\.ts) \|$/gm)].map((m) => ({ title: m[1], file: m[2] }));

  it('covers each threat of the issue', () => {
    for (const heading of ['CSWSH', 'Token leakage', 'Replay', 'Brute force', 'Denial of service', 'Lost revocation', 'IDOR']) {
      expect(DOC).toMatch(new RegExp(`^## .*${heading}`, 'm'));
    }
    expect(rows.length).toBeGreaterThan(40);
  });

  it('names only tests that exist, each in the file given', () => {
    const missing = rows.filter(({ title, file }) => !existsSync(join(ROOT, file)) || !titlesIn(file).has(title));
    expect(missing).toEqual([]);
  });
});
