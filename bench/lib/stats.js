'use strict';
const hdr = require('hdr-histogram-js');

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
function summarize(values) {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s.length ? s[s.length - 1] : NaN };
}
function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Latency histograms (HdrHistogram, values in µs, 3 significant digits, up to
// one hour): constant memory however long a run, and mergeable across
// processes (encode in the child, decode and add in the parent).
// The pure-JS build: no WebAssembly instance to free.
const hist = () => hdr.build({ bitBucketSize: 'packed', useWebAssembly: false, lowestDiscernibleValue: 1, highestTrackableValue: 3.6e9, numberOfSignificantValueDigits: 3 });
const encodeHist = (h) => hdr.encodeIntoCompressedBase64(h);
function addEncoded(into, b64) { if (b64) into.add(hdr.decodeFromCompressedBase64(b64, 'packed', false)); return into; }
/** {n, p50, p99, max} in ms, the shape summarize() gives. */
function histSummary(h) {
  const n = h.totalCount;
  const ms = (us) => (n ? us / 1000 : NaN);
  return { n, p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}

module.exports = { quantile, summarize, median, hist, encodeHist, addEncoded, histSummary };
