import { newId, newTimeOrderedId } from './ids';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ids', () => {
  it('newTimeOrderedId: a version-7 UUID that starts with its creation time in milliseconds', () => {
    const before = Date.now();
    const id = newTimeOrderedId();
    const after = Date.now();
    expect(UUID.exec(id)?.[1]).toBe('7');
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('newTimeOrderedId: ids made one after another sort in the order they were made, many within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newTimeOrderedId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('newId stays a random (version-4) UUID', () => {
    const ids = Array.from({ length: 200 }, () => newId());
    expect(ids.every((id) => UUID.exec(id)?.[1] === '4')).toBe(true);
    expect([...ids].sort()).not.toEqual(ids);
  });
});
