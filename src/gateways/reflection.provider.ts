/** Produces a reflection on a journal entry as a sequence of text chunks. */
export abstract class ReflectionProvider {
  abstract reflect(entry: { title: string; content: string }): AsyncIterable<string> | Iterable<string>;
}

const STOP_WORDS = new Set(
  ('a an and are as at be been but by for from had has have he her his i if in into is it its me my of on or our she so ' +
    'that the their them then there they this to was we were what when which who will with you your not no do did just ' +
    'than too very can could would should about after again all also am any because before being both each few more most ' +
    'other over own same some such only out up down off once here how why where while until')
    .split(/\s+/),
);
const POSITIVE = new Set('glad happy grateful calm proud hopeful excited love loved joy relieved good great better rested peaceful thankful'.split(' '));
const NEGATIVE = new Set('sad angry tired anxious worried afraid stressed lonely hurt bad worse frustrated upset overwhelmed guilty scared'.split(' '));

/**
 * The built-in provider: a reflection derived from the entry's own words —
 * its recurring themes, its tone, its length — ending with a question to
 * write on. Deterministic, so tests and clients can rely on it.
 */
export class TextReflectionProvider extends ReflectionProvider {
  *reflect(entry: { title: string; content: string }): Iterable<string> {
    const words = (entry.content.toLowerCase().match(/[a-z\u00c0-\u024f']+/g) ?? []).map((w) => w.replace(/^'+|'+$/g, ''));
    const counts = new Map<string, number>();
    for (const w of words) if (w.length > 2 && !STOP_WORDS.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const themes = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3).map(([w]) => w);
    const pos = words.filter((w) => POSITIVE.has(w)).length;
    const neg = words.filter((w) => NEGATIVE.has(w)).length;
    const sentences = entry.content.split(/[.!?]+/).map((s) => s.trim()).filter(Boolean);

    const lines: string[] = [];
    lines.push(`Reflecting on "${entry.title}": you wrote ${words.length} words across ${Math.max(sentences.length, 1)} sentence${sentences.length === 1 ? '' : 's'}.`);
    if (themes.length) lines.push(`What keeps returning is ${listOf(themes.map((t) => `"${t}"`))}.`);
    if (pos > neg) lines.push('The tone leans hopeful; notice what made room for that.');
    else if (neg > pos) lines.push('There is weight in these words; it is worth naming what is heaviest.');
    else lines.push('The tone is even, more observation than verdict.');
    if (sentences.length) lines.push(`You began with: "${clip(sentences[0], 80)}".`);
    if (sentences.length > 1) lines.push(`And you ended with: "${clip(sentences[sentences.length - 1], 80)}".`);
    lines.push(themes.length ? `What would change if "${themes[0]}" looked different tomorrow?` : 'What would you like to write about next time?');
    for (const line of lines) yield* chunkWords(line, 6);
  }
}

function* chunkWords(line: string, perChunk: number): Iterable<string> {
  const parts = line.split(' ');
  for (let i = 0; i < parts.length; i += perChunk) {
    yield parts.slice(i, i + perChunk).join(' ') + (i + perChunk >= parts.length ? '\n' : ' ');
  }
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const listOf = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
