import { DomainEvents } from './domain-events';

describe('DomainEvents relay seam', () => {
  it('emit reaches local listeners and the relay; emitLocal (what the relay delivers) only local listeners', () => {
    const events = new DomainEvents();
    const local: unknown[] = [];
    const relayed: unknown[] = [];
    events.on('user.deactivated', (p) => local.push(p));
    events.setRelay({ publish: (name, payload) => relayed.push([name, payload]) });
    events.emit('user.deactivated', { userId: 'u1' });
    events.emitLocal('user.deactivated', { userId: 'u2' });
    expect(local).toEqual([{ userId: 'u1' }, { userId: 'u2' }]);
    expect(relayed).toEqual([['user.deactivated', { userId: 'u1' }]]);
  });

  it('without a relay, emit is purely in-process', () => {
    const events = new DomainEvents();
    const seen: unknown[] = [];
    const off = events.on('member.removed', (p) => seen.push(p));
    events.emit('member.removed', { conversationId: 'c', userId: 'u' });
    off();
    events.emit('member.removed', { conversationId: 'c', userId: 'u' });
    expect(seen).toHaveLength(1);
  });
});
