import { dirname } from 'node:path';

/** packages/client, found the way Node finds the workspace package (node_modules/@portcullis/client links to it). */
export function clientPackageDir(): string {
  return dirname(require.resolve('@portcullis/client/package.json'));
}
