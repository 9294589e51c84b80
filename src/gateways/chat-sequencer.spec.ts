import type { MessageView } from '../conversations/conversation.views';
import { ChatSequencer } from './chat-sequencer';

const WAIT = 100;
const msg = (seq: number, conversationId = 'c'): MessageView => ({
  messageId: `m${seq}`, seq, conversationId, authorId: 'a', content: `#${seq}`, createdAt: new Date(0).toISOString(),
});

describe('ChatSequencer', () => {
  let delivered: number[];
  let stored: MessageView[];
  let fetches: Array<[number, number]>;
  let failFetch: boolean;
  let subscribed: boolean;
  let seq: ChatSequencer;

  beforeEach(() => {
    jest.useFakeTimers();
    delivered = [];
    stored = Array.from({ length: 2000 }, (_, i) => msg(i + 1));
    fetches = [];
    failFetch = false;
    subscribed = true;
    seq = new ChatSequencer({
      deliver: (m) => delivered.push(m.seq),
      fetchAfter: async (_c, after, limit) => {
        fetches.push([after, limit]);
        if (failFetch) throw new Error('database down');
        return stored.filter((m) => m.seq > after).slice(0, limit);
      },
      hasSubscribers: () => subscribed,
      onFetchError: () => undefined,
    }, { waitMs: WAIT, maxHeld: 50 });
  });
  afterEach(() => {
    seq.stop();
    jest.useRealTimers();
  });

  it('delivers seq 1 at once, and in-order messages at once', () => {
    [1, 2, 3].forEach((n) => seq.push(msg(n)));
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('holds a message until its predecessor arrives, then delivers both in order, without reading the database', async () => {
    [1, 3].forEach((n) => seq.push(msg(n)));
    expect(delivered).toEqual([1]);
    seq.push(msg(2));
    expect(delivered).toEqual([1, 2, 3]);
    await jest.advanceTimersByTimeAsync(WAIT * 2);
    expect(fetches).toEqual([]);
  });

  it('reads a gap still open after the wait from the database, and drops the late arrival', async () => {
    [1, 4, 5].forEach((n) => seq.push(msg(n)));
    await jest.advanceTimersByTimeAsync(WAIT);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(fetches).toEqual([[1, 500]]);
    seq.push(msg(2));
    seq.push(msg(6));
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('waits on the first message seen, for an earlier one still on its way', async () => {
    seq.push(msg(42));
    expect(delivered).toEqual([]);
    seq.push(msg(41));
    await jest.advanceTimersByTimeAsync(WAIT);
    expect(delivered).toEqual([41, 42]);
    expect(fetches).toEqual([]);
  });

  it('reads at once when too many are held, across pages', async () => {
    seq.push(msg(1));
    for (let n = 600; n <= 651; n++) seq.push(msg(n));
    await jest.advanceTimersByTimeAsync(0);
    expect(delivered).toEqual(Array.from({ length: 651 }, (_, i) => i + 1));
    expect(fetches.map(([after]) => after)).toEqual([1, 501]);
  });

  it('skips what the database could not give (an error), never going backwards', async () => {
    [1, 3].forEach((n) => seq.push(msg(n)));
    failFetch = true;
    await jest.advanceTimersByTimeAsync(WAIT);
    expect(delivered).toEqual([1, 3]);
    seq.push(msg(2));
    seq.push(msg(4));
    expect(delivered).toEqual([1, 3, 4]);
  });

  it('keeps each conversation\'s order apart', () => {
    seq.push(msg(1, 'x'));
    seq.push(msg(1, 'y'));
    seq.push(msg(3, 'x'));
    seq.push(msg(2, 'y'));
    expect(delivered).toEqual([1, 1, 2]);
  });

  it('delivers nothing, and keeps nothing, for a conversation with no subscriber here', async () => {
    subscribed = false;
    seq.push(msg(5));
    subscribed = true;
    seq.push(msg(1));
    expect(delivered).toEqual([1]);
  });
});
