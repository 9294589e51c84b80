import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** What a client on the far end of a loopback socket has read. */
export interface LoopbackPair {
  /** The server side, as `ws` made it. */
  ws: WebSocket;
  /** The TCP socket the server side writes to (the upgrade request's). */
  socket: Socket;
  received: Array<{ text: string; isBinary: boolean }>;
  /** Resolves once the client has read `n` messages. */
  receivedCount(n: number): Promise<void>;
}

/**
 * For specs over real sockets: an HTTP server on loopback upgraded by `ws`
 * (no compression, as the service), and a `ws` client per pair. Call
 * `start()` / `stop()` from the spec's beforeEach / afterEach.
 */
export function wsLoopback() {
  let server: Server;
  let wss: WebSocketServer;
  const open: WebSocket[] = [];

  return {
    async start(): Promise<void> {
      wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
      server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    },

    async stop(): Promise<void> {
      for (const ws of open.splice(0)) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },

    async pair(): Promise<LoopbackPair> {
      const accepted = new Promise<{ ws: WebSocket; socket: Socket }>((resolve) => {
        server.once('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket: socket as Socket })));
      });
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      open.push(client);
      const received: LoopbackPair['received'] = [];
      client.on('message', (data, isBinary) => received.push({ text: data.toString(), isBinary }));
      const { ws, socket } = await accepted;
      open.push(ws);
      await once(client, 'open');
      const receivedCount = async (n: number) => {
        while (received.length < n) await once(client, 'message');
      };
      return { ws, socket, received, receivedCount };
    },
  };
}
