import { readFileSync } from 'node:fs';
import { GENERATED_FILE, renderClientProtocol } from '../../../scripts/client-protocol';

describe('protocol.generated.ts', () => {
  it('is what `npm run client:protocol` writes from the server\'s close-code table and frame types today', () => {
    // Fails when src/realtime/close-codes.ts or frame-types.ts changed without re-running the generator.
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderClientProtocol());
  });
});
