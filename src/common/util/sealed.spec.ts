import fc from 'fast-check';
import { openWith, sealFor } from './sealed';

describe('sealFor / openWith', () => {
  it('opens with the secret it was sealed for, and with no other', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string(), (secret, other, text) => {
      const box = sealFor(secret, text);
      expect(openWith(secret, box)).toBe(text);
      if (other !== secret) expect(openWith(other, box)).toBeUndefined();
    }), { numRuns: 200 });
  });

  it('refuses a box altered in any byte, and never throws on garbage', () => {
    const box = Buffer.from(sealFor('prt_secret', '{"accessToken":"a"}'), 'base64url');
    for (let i = 0; i < box.length; i++) {
      const bad = Buffer.from(box);
      bad[i] ^= 1;
      expect(openWith('prt_secret', bad.toString('base64url'))).toBeUndefined();
    }
    fc.assert(fc.property(fc.string(), (junk) => openWith('prt_secret', junk) === undefined));
  });

  it('never contains the plaintext', () => {
    expect(sealFor('k', 'prt_the-new-refresh-token')).not.toContain('prt_');
  });
});
