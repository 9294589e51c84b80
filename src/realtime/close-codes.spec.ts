import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOSE } from './close-codes';
import {
  CLOSE_CODES_END, CLOSE_CODES_START, MAX_CLOSE_REASON_BYTES, renderCloseCodeSection, replaceCloseCodeSection,
} from './close-codes.doc';

const PROTOCOL_MD = join(__dirname, '..', '..', 'docs', 'protocol.md');

describe('close codes', () => {
  it.each(Object.entries(CLOSE))('%s: the close reason fits ws\'s 123-byte limit', (_key, spec) => {
    expect(Buffer.byteLength(spec.reason, 'utf8')).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(spec.reason.length).toBeGreaterThan(0);
  });

  it('uses only codes a client can receive (1000-1014 registered, 4000-4999 private)', () => {
    for (const spec of Object.values(CLOSE)) {
      const ok = (spec.code >= 1000 && spec.code <= 1014 && ![1004, 1005, 1006].includes(spec.code)) || (spec.code >= 4000 && spec.code <= 4999);
      expect({ error: spec.error, code: spec.code, ok }).toEqual({ error: spec.error, code: spec.code, ok: true });
    }
  });

  it('gives every close its own error-frame code', () => {
    const errors = Object.values(CLOSE).map((s) => s.error);
    expect(new Set(errors).size).toBe(errors.length);
  });
});

describe('docs/protocol.md close-code table', () => {
  const doc = readFileSync(PROTOCOL_MD, 'utf8');

  it('is exactly what `npm run docs:close-codes` generates (run it if this fails)', () => {
    expect(replaceCloseCodeSection(doc)).toBe(doc);
  });

  it('lists every code, error code and reason in the table', () => {
    const section = doc.slice(doc.indexOf(CLOSE_CODES_START), doc.indexOf(CLOSE_CODES_END));
    for (const spec of Object.values(CLOSE)) {
      expect(section).toContain(`| ${spec.code} | \`${spec.error}\` | ${spec.reason} | ${spec.action} |`);
    }
  });

  it('would notice a changed reason, code or action (the check above can fail)', () => {
    const changed = { ...CLOSE, FORBIDDEN: { ...CLOSE.FORBIDDEN, reason: 'forbidden!' } };
    expect(replaceCloseCodeSection(doc, renderCloseCodeSection(changed))).not.toBe(doc);
    const added = { ...CLOSE, EXTRA: { code: 4999, error: 'EXTRA', reason: 'extra', action: 'stop' } };
    expect(replaceCloseCodeSection(doc, renderCloseCodeSection(added))).not.toBe(doc);
  });

  it('escapes a pipe so a cell cannot split the table', () => {
    const out = renderCloseCodeSection({ X: { code: 4000, error: 'X', reason: 'a|b', action: 'stop' } });
    expect(out).toContain('| 4000 | `X` | a\\|b | stop |');
  });

  it('refuses a document without exactly one marked section', () => {
    expect(() => replaceCloseCodeSection('no markers here')).toThrow(/close-codes:start/);
    expect(() => replaceCloseCodeSection(`${CLOSE_CODES_END}\n${CLOSE_CODES_START}`)).toThrow();
    expect(() => replaceCloseCodeSection(`${CLOSE_CODES_START}${CLOSE_CODES_START}${CLOSE_CODES_END}`)).toThrow();
  });
});
