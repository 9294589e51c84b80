import { useCallback, useEffect, useRef, useState } from 'react';
import { PortcullisClient } from '../client.js';
import { ClientClosedError, PortcullisError } from '../errors.js';
import type { ServerFrames } from '../protocol.generated.js';
import type { Ack, ClientOptions, ClientState } from '../types.js';

export type HookOptions = Omit<ClientOptions, 'url'> & {
  /** ws:// or wss:// origin of the service (plus any path prefix), e.g. wss://api.example.com. */
  baseUrl: string;
};

export type ChatMessage = ServerFrames['chat_message'];

/**
 * One client for one resource, rebuilt when the resource or the base URL
 * changes and closed on unmount. getToken/refreshToken are read through a ref,
 * so passing new functions on each render does not reconnect.
 */
function useClient(path: string | null, options: HookOptions, wire: (client: PortcullisClient) => Array<() => void>) {
  const latest = useRef(options);
  latest.current = options;
  const clientRef = useRef<PortcullisClient | null>(null);
  const [state, setState] = useState<ClientState>('idle');
  const [error, setError] = useState<PortcullisError | undefined>(undefined);
  useEffect(() => {
    if (!path) return undefined;
    const opts = latest.current;
    const client = new PortcullisClient({
      ...opts,
      url: `${opts.baseUrl.replace(/\/+$/, '')}${path}`,
      getToken: () => latest.current.getToken(),
      refreshToken: opts.refreshToken ? () => latest.current.refreshToken?.() : undefined,
    });
    clientRef.current = client;
    setError(undefined);
    const offs = [client.on('state', (s) => { setState(s.state); if (s.error) setError(s.error); }), ...wire(client)];
    client.connect();
    return () => {
      for (const off of offs) off();
      client.close();
      if (clientRef.current === client) clientRef.current = null;
    };
    // `wire` is stable per hook; options other than baseUrl are read at connect time.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, options.baseUrl]);
  return { state, error, clientRef };
}

/**
 * Live chat on a conversation: every message once, in order (history from
 * `afterSeq`, default 0, then live), and `send` that resolves with the ack.
 */
export function useConversation(conversationId: string | null | undefined, options: HookOptions) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const wire = useCallback((client: PortcullisClient) => {
    setMessages([]);
    return [client.on('chat_message', (m) => setMessages((prev) => [...prev, m]))];
  }, []);
  const path = conversationId ? `/ws/conversations/${encodeURIComponent(conversationId)}` : null;
  const { state, error, clientRef } = useClient(path, options, wire);
  const send = useCallback((content: string): Promise<Ack> => {
    const client = clientRef.current;
    return client ? client.chat(content) : Promise.reject(new ClientClosedError('CLIENT_CLOSED', 'no conversation is open'));
  }, [clientRef]);
  return { state, messages, send, error };
}

/** A reflection on an entry as it streams: the text so far, and `done` once `reflection_done` arrived. */
export function useReflectionStream(entryId: string | null | undefined, options: HookOptions) {
  const [text, setText] = useState('');
  const [done, setDone] = useState(false);
  const wire = useCallback((client: PortcullisClient) => {
    setText('');
    setDone(false);
    return [
      client.on('reflection_chunk', (c) => setText((prev) => prev + c.text)),
      client.on('reflection_done', () => setDone(true)),
    ];
  }, []);
  const path = entryId ? `/ws/reflections/${encodeURIComponent(entryId)}` : null;
  const { state, error } = useClient(path, options, wire);
  return { state, text, done, error };
}
