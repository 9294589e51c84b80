import fc from 'fast-check';
import { WsEndpoint } from './ws-endpoint';

/** What `match` returned before it was written as a loop: every segment decoded, a malformed one refusing the path. */
function reference(re: RegExp, names: string[], pathname: string): Record<string, string> | undefined {
  const m = re.exec(pathname);
  if (!m) return undefined;
  try {
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
  } catch {
    return undefined;
  }
}

describe('WsEndpoint.match', () => {
  const endpoint = new WsEndpoint('/ws/conversations/:conversationId');

  it('gives the path params, with or without a trailing slash', () => {
    expect(endpoint.match('/ws/conversations/c-1')).toEqual({ conversationId: 'c-1' });
    expect(endpoint.match('/ws/conversations/c-1/')).toEqual({ conversationId: 'c-1' });
  });

  it('decodes percent-escapes, and refuses a path whose escapes are malformed', () => {
    expect(endpoint.match('/ws/conversations/a%20b%2Fc')).toEqual({ conversationId: 'a b/c' });
    expect(endpoint.match('/ws/conversations/%E0%A4%A')).toBeUndefined();
    expect(endpoint.match('/ws/conversations/100%')).toBeUndefined();
  });

  it('does not match another path', () => {
    expect(endpoint.match('/ws/conversations')).toBeUndefined();
    expect(endpoint.match('/ws/conversations/a/b')).toBeUndefined();
    expect(endpoint.match('/ws/entries/a')).toBeUndefined();
  });

  it('agrees with decoding every segment, for any path of one or two params', () => {
    const two = new WsEndpoint('/ws/:kind/items/:itemId');
    const segment = fc.oneof(
      fc.string({ minLength: 1 }),
      fc.webSegment(),
      // escapes, well-formed or not
      fc.array(fc.constantFrom('%', '%2', '%20', '%E2%82%AC', '%zz', 'a', '/', '%C3'), { minLength: 1, maxLength: 6 }).map((p) => p.join('')),
    );
    fc.assert(fc.property(segment, segment, fc.boolean(), (a, b, slash) => {
      const one = `/ws/conversations/${a}${slash ? '/' : ''}`;
      expect(endpoint.match(one)).toEqual(reference(/^\/ws\/conversations\/([^/]+)\/?$/, ['conversationId'], one));
      const path = `/ws/${a}/items/${b}${slash ? '/' : ''}`;
      expect(two.match(path)).toEqual(reference(/^\/ws\/([^/]+)\/items\/([^/]+)\/?$/, ['kind', 'itemId'], path));
    }), { numRuns: 3000 });
  });
});
