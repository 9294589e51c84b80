import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every source file of the build (specs aside). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : []);
}

describe('the browser build', () => {
  const files = sources(__dirname);

  it('imports nothing but its own files (and react, in the react entry)', () => {
    for (const file of files) {
      const specifiers = [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
      const allowed = (s: string) => (s.startsWith('./') || s.startsWith('../')) && s.endsWith('.js') || (s === 'react' && file.includes('react'));
      expect([relative(__dirname, file), specifiers.filter((s) => !allowed(s))]).toEqual([relative(__dirname, file), []]);
    }
  });

  it('uses no Node-only global', () => {
    for (const file of files) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect([relative(__dirname, file), code.match(/\b(require\(|process\.|Buffer\b|__dirname|setImmediate)/g)]).toEqual([relative(__dirname, file), null]);
    }
  });
});
