import { clientAddress, ClientAddressPolicy, compileTrustProxy, NO_PROXY, ProxyHeader, proxyChain } from './client-address';

const req = (peer: string | undefined, headers: Record<string, string | string[]> = {}) =>
  ({ socket: { remoteAddress: peer }, headers }) as never;
const policy = (trust: string, header: ProxyHeader = 'x-forwarded-for'): ClientAddressPolicy => ({ trust: compileTrustProxy(trust), header });

describe('clientAddress', () => {
  describe('with TRUST_PROXY off', () => {
    it('is the socket peer and ignores every forwarding header', () => {
      const forged = { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.9' };
      expect(clientAddress(req('10.0.0.5', forged), NO_PROXY)).toBe('10.0.0.5');
      expect(clientAddress(req('10.0.0.5', forged), policy('false'))).toBe('10.0.0.5');
      expect(clientAddress(req('10.0.0.5', forged), policy(''))).toBe('10.0.0.5');
      expect(clientAddress(req('10.0.0.5', forged), policy('0'))).toBe('10.0.0.5');
    });

    it('unwraps IPv4-mapped IPv6 peers and names a missing peer', () => {
      expect(clientAddress(req('::ffff:127.0.0.1'), NO_PROXY)).toBe('127.0.0.1');
      expect(clientAddress(req('::1'), NO_PROXY)).toBe('::1');
      expect(clientAddress(req(undefined), NO_PROXY)).toBe('unknown');
    });
  });

  describe('with a hop count', () => {
    it('takes the address that many proxies back, never further', () => {
      const h = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.0.0.2' };
      expect(clientAddress(req('10.0.0.1', h), policy('1'))).toBe('10.0.0.2');
      expect(clientAddress(req('10.0.0.1', h), policy('2'))).toBe('203.0.113.7');
      expect(clientAddress(req('10.0.0.1', h), policy('3'))).toBe('198.51.100.1');
      // More hops than entries: the furthest entry.
      expect(clientAddress(req('10.0.0.1', h), policy('9'))).toBe('198.51.100.1');
    });

    it('is not fooled by an entry the client prepended itself', () => {
      // The balancer appends the real peer to whatever the client sent.
      const h = { 'x-forwarded-for': '1.1.1.1, 203.0.113.7' };
      expect(clientAddress(req('10.0.0.1', h), policy('1'))).toBe('203.0.113.7');
    });

    it('falls back to the peer when no header is present', () => {
      expect(clientAddress(req('10.0.0.1'), policy('1'))).toBe('10.0.0.1');
    });
  });

  describe('with a list of proxies', () => {
    it('walks back past trusted addresses and CIDRs to the first untrusted one', () => {
      const h = { 'x-forwarded-for': '1.1.1.1, 203.0.113.7, 10.1.2.3' };
      expect(clientAddress(req('10.0.0.1', h), policy('10.0.0.0/8'))).toBe('203.0.113.7');
      expect(clientAddress(req('10.0.0.1', h), policy('10.0.0.1, 10.1.2.3'))).toBe('203.0.113.7');
      expect(clientAddress(req('10.0.0.1', h), policy('uniquelocal'))).toBe('203.0.113.7');
    });

    it('reads no header from a peer that is not a listed proxy', () => {
      const h = { 'x-forwarded-for': '203.0.113.7' };
      expect(clientAddress(req('192.0.2.50', h), policy('10.0.0.0/8'))).toBe('192.0.2.50');
    });

    it('matches IPv4-mapped peers against IPv4 lists, and IPv6 CIDRs', () => {
      expect(clientAddress(req('::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }), policy('loopback'))).toBe('203.0.113.7');
      expect(clientAddress(req('fd00::5', { 'x-forwarded-for': '2001:db8::1' }), policy('fd00::/8'))).toBe('2001:db8::1');
    });

    it('stops at an entry that is not an address', () => {
      const h = { 'x-forwarded-for': '203.0.113.7, garbage' };
      expect(clientAddress(req('10.0.0.1', h), policy('true'))).toBe('10.0.0.1');
    });

    it('accepts ports on entries', () => {
      expect(clientAddress(req('10.0.0.1', { 'x-forwarded-for': '203.0.113.7:5123' }), policy('1'))).toBe('203.0.113.7');
      expect(clientAddress(req('10.0.0.1', { 'x-forwarded-for': '[2001:db8::7]:5123' }), policy('1'))).toBe('2001:db8::7');
    });
  });

  describe('with the Forwarded header (RFC 7239)', () => {
    it('reads for= of each element, quoted, bracketed and with ports', () => {
      const h = { forwarded: 'for=198.51.100.1;proto=https, for="[2001:db8:cafe::17]:4711";by=10.0.0.1' };
      expect(clientAddress(req('10.0.0.1', h), policy('1', 'forwarded'))).toBe('2001:db8:cafe::17');
      expect(clientAddress(req('10.0.0.1', h), policy('2', 'forwarded'))).toBe('198.51.100.1');
    });

    it('ignores X-Forwarded-For when told to read Forwarded, and the other way round', () => {
      const h = { forwarded: 'for=198.51.100.1', 'x-forwarded-for': '203.0.113.7' };
      expect(clientAddress(req('10.0.0.1', h), policy('1', 'forwarded'))).toBe('198.51.100.1');
      expect(clientAddress(req('10.0.0.1', h), policy('1', 'x-forwarded-for'))).toBe('203.0.113.7');
    });

    it('stops at unknown and obfuscated identifiers', () => {
      expect(clientAddress(req('10.0.0.1', { forwarded: 'for=unknown' }), policy('1', 'forwarded'))).toBe('10.0.0.1');
      expect(clientAddress(req('10.0.0.1', { forwarded: 'for=_hidden, for=203.0.113.7' }), policy('2', 'forwarded'))).toBe('203.0.113.7');
    });

    it('keeps commas and semicolons inside quoted values out of the split', () => {
      expect(proxyChain('for=192.0.2.1;ext="a,b;c", for=192.0.2.2', 'forwarded')).toEqual(['192.0.2.2', '192.0.2.1']);
      expect(proxyChain(['for=192.0.2.1', 'FOR=192.0.2.2'], 'forwarded')).toEqual(['192.0.2.2', '192.0.2.1']);
    });
  });
});

describe('compileTrustProxy', () => {
  it('refuses a list entry that is not an address, CIDR or known name', () => {
    expect(() => compileTrustProxy('10.0.0.0/8, nginx')).toThrow(/comma list of addresses\/CIDRs.*nginx/);
    expect(() => compileTrustProxy('10.0.0.0/99')).toThrow(/CIDR|address/);
  });
});
