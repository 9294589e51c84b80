import { join } from 'node:path';

export interface StaticServer {
  /** http://127.0.0.1:PORT — also the page's Origin. */
  origin: string;
  /** Where `/v1/*` is forwarded; set once the API is listening. */
  proxyTo: string | undefined;
  close: () => Promise<void>;
}

// The example's own server (plain JS, so it runs without a build): the test serves the page exactly as a person would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const serve = require(join(__dirname, '..', '..', 'examples', 'browser', 'serve.js')) as {
  startStaticServer(options?: { root?: string; port?: number; host?: string; api?: string }): Promise<StaticServer>;
};

/** Serves examples/browser on an ephemeral port, forwarding /v1 to `proxyTo` once it is set. */
export function startStaticServer(): Promise<StaticServer> {
  return serve.startStaticServer({ port: 0 });
}
