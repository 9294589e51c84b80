import { parseClientFrame } from './frame-validation';

describe('parseClientFrame', () => {
  const frame = (o: object) => JSON.stringify(o);

  it('accepts a well-formed frame of each kind', () => {
    expect(parseClientFrame(frame({ type: 'auth', id: 'a', timestamp: new Date().toISOString(), payload: { token: 't' } })).ok).toBe(true);
    expect(parseClientFrame(frame({ type: 'chat_message', id: 'c', payload: { content: 'hi' } })).ok).toBe(true);
    expect(parseClientFrame(frame({ type: 'resume', id: 'r', payload: { afterSeq: 0 } })).ok).toBe(true);
    expect(parseClientFrame(frame({ type: 'ping', id: 'p' })).ok).toBe(true);
  });

  it('names the field that fails, never echoing its value', () => {
    const r = parseClientFrame(frame({ type: 'auth', id: 'a', payload: { token: 42 } }));
    expect(r).toMatchObject({ ok: false, refId: 'a' });
    expect(!r.ok && r.message).toContain('payload.token');
    expect(parseClientFrame('{not json')).toMatchObject({ ok: false, message: 'frame is not valid JSON' });
    expect(parseClientFrame(frame({ type: 'nope', id: 'x', payload: {} }))).toMatchObject({ ok: false, message: 'type: unknown frame type' });
    expect(parseClientFrame(frame({ type: 'resume', id: 'r', payload: { afterSeq: -1 } })).ok).toBe(false);
  });

  it('cannot be talked out of its rules through __proto__ or constructor keys', () => {
    const evil = '{"type":"chat_message","id":"e","payload":{"__proto__":{},"content":""}}';
    expect(parseClientFrame(evil).ok).toBe(false);
    const evilEnvelope = '{"__proto__":{},"type":"chat_message","id":"","payload":{"content":"x"}}';
    expect(parseClientFrame(evilEnvelope).ok).toBe(false);
    expect(parseClientFrame('{"constructor":{},"type":"ping","payload":{}}').ok).toBe(false);
  });

  it('answers a value that breaks a validator\'s message (found by the property test) as invalid, not by throwing', () => {
    const hostile = { length: { toString: '' } };
    expect(parseClientFrame(frame({ type: 'ping', id: hostile, payload: {} }))).toMatchObject({ ok: false, message: expect.stringContaining('id: invalid') });
    expect(parseClientFrame(frame({ type: 'chat_message', id: 'h', payload: { content: hostile } }))).toMatchObject({ ok: false, refId: 'h', message: expect.stringContaining('payload.content: invalid') });
  });
});

