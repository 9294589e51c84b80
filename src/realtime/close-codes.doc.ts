import { CLOSE } from './close-codes';

/**
 * Writes the close-code section of docs/protocol.md from the ONE table in
 * close-codes.ts, so the docs cannot drift from what the server sends.
 * Used by scripts/docs-close-codes.ts (to rewrite) and close-codes.spec.ts
 * (to fail when the committed docs are stale).
 */
export const CLOSE_CODES_START = '<!-- close-codes:start -->';
export const CLOSE_CODES_END = '<!-- close-codes:end -->';

/** ws refuses a close reason longer than this many UTF-8 bytes (RFC 6455 §5.5: 125 minus the 2-byte code). */
export const MAX_CLOSE_REASON_BYTES = 123;

interface CloseRow { code: number; error: string; reason: string; action: string }

const cell = (s: string | number): string => String(s).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The generated markdown (without the markers). Rows keep the table's order, sorted by code. */
export function renderCloseCodeSection(close: Record<string, CloseRow> = CLOSE): string {
  const rows = Object.values(close)
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.code - b.r.code || a.i - b.i)
    .map(({ r }) => `| ${cell(r.code)} | \`${cell(r.error)}\` | ${cell(r.reason)} | ${cell(r.action)} |`);
  return [
    '<!-- Generated from src/realtime/close-codes.ts by `npm run docs:close-codes`. Do not edit by hand. -->',
    '',
    '| close code | `error` frame `code` | close reason | what a client should do |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Replaces what lies between the markers; throws when they are missing or out of order. */
export function replaceCloseCodeSection(doc: string, section: string = renderCloseCodeSection()): string {
  const start = doc.indexOf(CLOSE_CODES_START);
  const end = doc.indexOf(CLOSE_CODES_END);
  if (start < 0 || end < 0 || end < start || doc.indexOf(CLOSE_CODES_START, start + 1) >= 0) {
    throw new Error(`expected exactly one ${CLOSE_CODES_START} … ${CLOSE_CODES_END} section`);
  }
  return `${doc.slice(0, start + CLOSE_CODES_START.length)}\n${section}\n${doc.slice(end)}`;
}
