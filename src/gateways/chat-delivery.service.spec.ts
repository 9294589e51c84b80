import type { MessageView } from '../conversations/conversation.views';
import type { ConversationsService } from '../conversations/conversations.service';
import type { Connection } from '../realtime/connection';
import type { ConnectionRegistry } from '../realtime/connection-registry';
import type { SharedFrame } from '../realtime/shared-frame';
import { ChatDeliveryService } from './chat-delivery.service';

/** Sockets that record the seq of each chat frame they are sent. */
function room(size: number): Array<Connection & { seqs: number[] }> {
  return Array.from({ length: size }, () => {
    const seqs: number[] = [];
    return { seqs, isOpen: true, sendShared: (f: SharedFrame) => { seqs.push(JSON.parse(f.payload.toString()).payload.seq); return true; } } as unknown as Connection & { seqs: number[] };
  });
}
const message = (seq: number): MessageView =>
  ({ messageId: `m${seq}`, seq, conversationId: 'c1', authorId: 'u1', content: `#${seq}`, createdAt: new Date(0).toISOString() }) as MessageView;
const service = (sockets: Connection[]) =>
  new ChatDeliveryService({ subscribers: () => new Set(sockets) } as unknown as ConnectionRegistry, {} as ConversationsService);
const settled = async (sockets: Array<{ seqs: number[] }>, n: number) => {
  for (let i = 0; i < 100 && sockets.some((s) => s.seqs.length < n); i++) await new Promise((r) => setImmediate(r));
};

describe('ChatDeliveryService fan-out', () => {
  it('delivers to a small room at once', () => {
    const sockets = room(10);
    service(sockets).publish(message(1));
    expect(sockets.every((s) => s.seqs.length === 1)).toBe(true);
  });

  it('fans out to a large room a slice at a time, yielding to the event loop, each socket in seq order', async () => {
    const sockets = room(1000);
    const delivery = service(sockets);
    let deliveredWhenOthersRan = -1;
    for (const seq of [1, 2, 3]) delivery.publish(message(seq));
    setImmediate(() => { deliveredWhenOthersRan = sockets.reduce((n, s) => n + s.seqs.length, 0); });
    await settled(sockets, 3);
    expect(deliveredWhenOthersRan).toBeGreaterThan(0);
    expect(deliveredWhenOthersRan).toBeLessThan(3000);
    for (const s of sockets) expect(s.seqs).toEqual([1, 2, 3]);
  });

  it('sends the messages that waited for a large fan-out to each socket together, in one turn (so in one write), in order', async () => {
    const sockets = room(1000);
    let turn = 0;
    let ticking = true;
    const tick = () => { turn++; if (ticking) setImmediate(tick); };
    setImmediate(tick);
    const turns = sockets.map(() => new Map<number, number>());
    sockets.forEach((s, i) => {
      const send = s.sendShared.bind(s);
      s.sendShared = (f: SharedFrame) => { turns[i].set(JSON.parse(f.payload.toString()).payload.seq, turn); return send(f); };
    });
    const delivery = service(sockets);
    for (const seq of [1, 2, 3, 4]) delivery.publish(message(seq));
    await settled(sockets, 4);
    ticking = false;
    sockets.forEach((s, i) => {
      expect(s.seqs).toEqual([1, 2, 3, 4]);
      expect(new Set([2, 3, 4].map((seq) => turns[i].get(seq))).size).toBe(1);
    });
  });

  it('keeps a small message behind a large fan-out in progress for the same room', async () => {
    const sockets = room(600);
    const delivery = service(sockets);
    delivery.publish(message(1));
    delivery.publish(message(2));
    await settled(sockets, 2);
    for (const s of sockets) expect(s.seqs).toEqual([1, 2]);
  });
});
