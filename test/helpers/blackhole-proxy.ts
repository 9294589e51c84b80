import net from 'node:net';

/**
 * A TCP proxy in front of a test app that can make a path go dark the way a
 * sleeping laptop, a changed network or a NAT that forgot the flow does: the
 * sockets stay open at both ends and every byte either way is lost, with no
 * FIN and no RST. Used to test that a client notices without TCP's help.
 */
export interface BlackholeProxy {
  /** http://127.0.0.1:<proxy port>: a page loaded from here is same-origin with its sockets */
  baseUrl: string;
  /** ws://127.0.0.1:<proxy port> */
  wsUrl: string;
  /** Every connection open now goes dark (new ones still pass); returns how many. */
  darkenOpen(): number;
  /** While on, new connections are accepted and then get nothing: the upgrade is never answered. */
  hangNew(on: boolean): void;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

interface Path {
  dark: boolean;
  client: net.Socket;
  upstream?: net.Socket;
}

export async function startBlackholeProxy(targetPort: number): Promise<BlackholeProxy> {
  const paths = new Set<Path>();
  let hang = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const path: Path = { dark: hang, client };
    paths.add(path);
    client.on('error', () => undefined);
    client.on('close', () => {
      paths.delete(path);
      path.upstream?.destroy();
    });
    if (path.dark) {
      client.resume(); // read and drop
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    path.upstream = upstream;
    upstream.on('error', () => undefined);
    // A dark path carries no FIN either: the server's side ending is not passed on.
    upstream.on('close', () => { if (!path.dark) client.destroy(); });
    client.on('data', (chunk) => { if (!path.dark) upstream.write(chunk); });
    upstream.on('data', (chunk) => { if (!path.dark) client.write(chunk); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    darkenOpen: () => {
      let n = 0;
      for (const path of paths) if (!path.dark) { path.dark = true; n++; }
      return n;
    },
    hangNew: (on) => { hang = on; },
    accepted: () => accepted,
    close: async () => {
      for (const path of paths) { path.client.destroy(); path.upstream?.destroy(); }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
