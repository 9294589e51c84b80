/**
 * docs/asyncapi.yaml against the code it describes. A unit-style check that
 * lives in test/ only because src/ is owned elsewhere; it needs no app.
 *
 * Server frame types exist only as a TypeScript interface (ServerFrames), so
 * they are read from the source with the compiler API rather than listed here
 * by hand: a frame added to frame-types.ts fails this test until it is
 * documented.
 */
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { CLOSE } from '../src/realtime/close-codes';
import { CLIENT_FRAME } from '../src/realtime/frame-types';

const ROOT = join(__dirname, '..');
type Node = Record<string, any>;

/** Property names of each member of `interface <name>` whose type is a type literal (or `{}`-like Record). */
function interfaceMembers(file: string, name: string): Map<string, string[] | 'open'> {
  const src = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string[] | 'open'>();
  src.forEachChild((n) => {
    if (!ts.isInterfaceDeclaration(n) || n.name.text !== name) return;
    for (const m of n.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const key = m.name.getText(src);
      if (ts.isTypeLiteralNode(m.type)) out.set(key, m.type.members.map((p) => p.name!.getText(src)));
      else if (ts.isTypeReferenceNode(m.type) && m.type.typeName.getText(src) === 'Record') {
        // Record<string, never> is the empty payload; Record<string, unknown> is left open by the contract.
        out.set(key, m.type.typeArguments?.[1]?.kind === ts.SyntaxKind.NeverKeyword ? [] : 'open');
      } else out.set(key, m.type.getText(src) as never);
    }
  });
  return out;
}

/** Field names of each class in a file (the client payload DTOs). */
function classFields(file: string): Map<string, string[]> {
  const src = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string[]>();
  src.forEachChild((n) => {
    if (ts.isClassDeclaration(n) && n.name) {
      out.set(n.name.text, n.members.filter(ts.isPropertyDeclaration).map((p) => p.name.getText(src)));
    }
  });
  return out;
}

/** ClientFrameMap maps a frame type to its payload class name. */
function clientPayloadClasses(): Map<string, string> {
  const file = 'src/realtime/frame-validation.ts';
  const src = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = new Map<string, string>();
  src.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n) && n.name.text === 'ClientFrameMap') {
      for (const m of n.members) if (ts.isPropertySignature(m) && m.type) out.set(m.name.getText(src), m.type.getText(src));
    }
  });
  return out;
}

describe('docs/asyncapi.yaml', () => {
  const doc = load(readFileSync(join(ROOT, 'docs', 'asyncapi.yaml'), 'utf8')) as Node;

  const resolve = (ref: string): Node => {
    expect(ref.startsWith('#/')).toBe(true);
    const node = ref.slice(2).split('/').reduce<Node | undefined>((n, k) => n?.[k], doc);
    if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
    return node;
  };
  const deref = (n: Node): Node => (n && typeof n.$ref === 'string' ? deref(resolve(n.$ref)) : n);

  /** A frame schema's merged properties: envelope allOf + the frame's own part. */
  const frameSchema = (message: Node): { type?: string; payload: Node } => {
    const schema = deref(message.payload);
    const parts: Node[] = (schema.allOf ?? [schema]).map(deref);
    const props = Object.assign({}, ...parts.map((p) => p.properties ?? {}));
    return { type: props.type?.const, payload: deref(props.payload ?? {}) };
  };

  const operationMessages = (op: 'publish' | 'subscribe'): Array<{ channel: string; message: Node }> =>
    Object.entries(doc.channels as Node).flatMap(([channel, item]) => {
      const m = item[op]?.message;
      return (m?.oneOf ?? (m ? [m] : [])).map((ref: Node) => ({ channel, message: deref(ref) }));
    });

  it('is AsyncAPI 2.6 with the three WebSocket channels', () => {
    expect(doc.asyncapi).toMatch(/^2\.6\./);
    expect(Object.keys(doc.channels).sort()).toEqual(['/ws/conversations/{conversationId}', '/ws/live-listener', '/ws/reflections/{entryId}']);
    for (const server of Object.values(doc.servers as Node)) expect(server.protocol).toBe('ws');
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n)) (k === '$ref' ? refs.push(v as string) : walk(v));
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(() => resolve(ref)).not.toThrow();
  });

  it('has every client frame of frame-types.ts as a publish message, with the payload fields the server validates', () => {
    const published = operationMessages('publish');
    const classes = classFields('src/realtime/frame-validation.ts');
    const payloadClass = clientPayloadClasses();
    expect([...payloadClass.keys()].sort()).toEqual(Object.values(CLIENT_FRAME).sort());
    for (const type of Object.values(CLIENT_FRAME)) {
      const found = published.filter(({ message }) => message.name === type);
      expect({ type, documented: found.length > 0 }).toEqual({ type, documented: true });
      for (const { message } of found) {
        const schema = frameSchema(message);
        expect(schema.type).toBe(type);
        const fields = classes.get(payloadClass.get(type)!)!;
        expect({ type, fields: Object.keys(schema.payload.properties ?? {}).sort() }).toEqual({ type, fields: [...fields].sort() });
      }
    }
  });

  it('has every server frame of ServerFrames as a subscribe message, with the same payload fields', () => {
    const received = operationMessages('subscribe');
    const serverFrames = interfaceMembers('src/realtime/frame-types.ts', 'ServerFrames');
    expect(serverFrames.size).toBeGreaterThanOrEqual(10);
    for (const [type, fields] of serverFrames) {
      const found = received.filter(({ message }) => message.name === type);
      expect({ type, documented: found.length > 0 }).toEqual({ type, documented: true });
      for (const { message } of found) {
        const schema = frameSchema(message);
        expect(schema.type).toBe(type);
        if (fields === 'open') continue;
        expect({ type, fields: Object.keys(schema.payload.properties ?? {}).sort() }).toEqual({ type, fields: [...fields].sort() });
      }
    }
  });

  it('documents no frame the code does not have', () => {
    const known = new Set([...Object.values(CLIENT_FRAME), ...interfaceMembers('src/realtime/frame-types.ts', 'ServerFrames').keys(), 'binary_chunk']);
    for (const message of Object.values(doc.components.messages as Node)) expect(known).toContain(message.name);
  });

  it('declares the five credential sources as security schemes, each used by a server', () => {
    const schemes = doc.components.securitySchemes as Node;
    expect(schemes.bearerHeader).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.tokenHeader).toMatchObject({ type: 'httpApiKey', in: 'header', name: 'x-portcullis-token' });
    expect(schemes.subprotocol).toMatchObject({ type: 'httpApiKey', in: 'header', name: 'Sec-WebSocket-Protocol' });
    expect(schemes.ticket).toMatchObject({ type: 'httpApiKey', in: 'query', name: 'ticket' });
    expect(schemes.queryToken).toMatchObject({ type: 'httpApiKey', in: 'query', name: 'token' });
    expect(schemes.firstFrame).toBeDefined();
    const used = new Set(Object.values(doc.servers as Node).flatMap((s) => (s.security as Node[]).flatMap(Object.keys)));
    expect([...used].sort()).toEqual(Object.keys(schemes).sort());
    // Tickets are for users only; the live listener's server must not offer them.
    const live = doc.channels['/ws/live-listener'].servers as string[];
    for (const s of live) expect((doc.servers[s].security as Node[]).flatMap(Object.keys)).not.toContain('ticket');
  });

  it('lists every close code, error code and reason of close-codes.ts in the description', () => {
    const description = doc.info.description as string;
    for (const spec of Object.values(CLOSE)) {
      expect(description).toContain(`| ${spec.code} | ${spec.error} | ${spec.reason} | ${spec.action} |`);
    }
    const rows = description.split('\n').filter((l) => /^\| \d{4} \|/.test(l));
    expect(rows).toHaveLength(Object.keys(CLOSE).length);
  });
});
