'use strict';
// A realistic room: `senders` sockets and `subscribers` sockets in one
// conversation; every sender sends `ratePerSender` chat messages a second on a
// fixed schedule (open loop, senders phase-shifted so the room sees an even
// stream), for `durationMs`. Every socket in the room gets every message (the
// senders' own copies are not counted). Figures: ack latency (send → the
// sender's ack: stored), delivery latency (send → each subscriber's receipt),
// delivered msg/s to subscribers. The first `warmMs` of sends are left out of
// the latencies. Bounded by the schedule's count, a drain wait and the deadline.
const { hist, histSummary } = require('../lib/stats');

module.exports = async function room({ cfg, openMany, mark, done, now, expired, sleep, loaderCpuUs }) {
  const {
    senders = 20, subscribers = 200, ratePerSender = 5, durationMs = 10000, warmMs = 1000, drainMs = 5000, bytes = 100,
    senderToken, subscriberToken, conversationId, auth = 'header',
  } = cfg;
  const subs = await openMany(subscribers, 100, subscriberToken, auth, conversationId);
  if (subs.sockets.length < subscribers) return done({ error: `only ${subs.sockets.length}/${subscribers} subscribers connected: ${subs.firstError}` });
  const snd = await openMany(senders, senders, senderToken, auth, conversationId);
  if (snd.sockets.length < senders) return done({ error: `only ${snd.sockets.length}/${senders} senders connected: ${snd.firstError}` });

  const perSender = Math.max(1, Math.round((ratePerSender * durationMs) / 1000));
  const total = senders * perSender;
  const sentAt = new Float64Array(total); // message k = i * senders + s: sender s's i-th message
  const ackLat = hist(); const delLat = hist();
  let sent = 0; let acks = 0; let deliveries = 0; let lastDelivery = 0; let t0 = 0;
  const tag = `r-${process.pid}-`;
  const pad = (k) => { const p = `r:${k}:`; return p + 'x'.repeat(Math.max(1, bytes - p.length)); };
  const record = (h, ms) => h.recordValue(Math.max(1, Math.round(ms * 1000))); // µs

  for (const s of subs.sockets) {
    s.on('chat_message', (content) => {
      const k = Number(content.slice(2, content.indexOf(':', 2)));
      if (!(k >= 0 && k < sent)) return;
      const t = now();
      deliveries++; lastDelivery = t;
      if (sentAt[k] - t0 >= warmMs) record(delLat, t - sentAt[k]);
    });
  }
  snd.sockets.forEach((s) => s.on('ack', (refId) => {
    if (typeof refId !== 'string' || !refId.startsWith(tag)) return;
    const k = Number(refId.slice(tag.length));
    if (!(k >= 0 && k < sent)) return;
    acks++;
    if (sentAt[k] - t0 >= warmMs) record(ackLat, now() - sentAt[k]);
  }));
  await sleep(300);

  // Sender s's i-th message is due at t0 + (i + s / senders) / ratePerSender seconds.
  const periodMs = 1000 / ratePerSender;
  mark('start');
  t0 = now();
  await new Promise((resolve) => {
    const tick = () => {
      const elapsed = now() - t0;
      const due = Math.min(total, Math.floor((elapsed / periodMs) * senders) + 1);
      while (sent < due) {
        const k = sent++;
        sentAt[k] = now();
        snd.sockets[k % senders].send('chat_message', { content: pad(k) }, `${tag}${k}`);
      }
      if (sent < total && !expired()) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const sendEnd = now();
  for (let i = 0; i < drainMs / 20 && (deliveries < sent * subscribers || acks < sent) && !expired(); i++) await sleep(20);
  const loaderCpu = loaderCpuUs();
  mark('end');
  const elapsedMs = Math.max(lastDelivery, sendEnd) - t0;
  snd.sockets.forEach((s) => s.terminate()); subs.sockets.forEach((s) => s.terminate());
  done({
    senders, subscribers, ratePerSender, sent, acks, deliveries, expected: sent * subscribers,
    offeredPerSec: (sent * subscribers) / ((sendEnd - t0) / 1000), deliveredPerSec: deliveries / (elapsedMs / 1000),
    ackMs: histSummary(ackLat), latencyMs: histSummary(delLat), elapsedMs, loaderCpuShare: loaderCpu / 1000 / (now() - t0),
    timedOut: deliveries < sent * subscribers || acks < sent,
  });
};
