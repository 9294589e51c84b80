import { CanActivate, ExecutionContext, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway, WsResponse } from '@nestjs/websockets';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.factory';
import { AppConfig } from '../src/config/app-config';
import { ActiveUserGuard } from '../src/gateways/guards/active-user.guard';
import { UserCredentialGuard } from '../src/gateways/guards/user-credential.guard';
import { Connection } from '../src/realtime/connection';
import { ChatPayload } from '../src/realtime/frame-validation';
import { RealtimeGateway } from '../src/realtime/nest/realtime.gateway';
import { ResourceCheck } from '../src/realtime/nest/ws-decorators';
import { RealtimeModule } from '../src/realtime/realtime.module';
import { WsHandshake } from '../src/realtime/ws-handshake';
import { createUser, TestUser } from './helpers/factories';
import { eventually } from './helpers/scaleout-cluster';
import { TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

/** What the test-only guard saw, each time Nest or the adapter asked it. */
const seen: Array<{ type: string; pattern: string; handshake: boolean; user?: string }> = [];
const handled: string[] = [];

@Injectable()
@ResourceCheck()
class RoomOpenGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const ws = ctx.switchToWs();
    const data = ws.getData<unknown>();
    seen.push({ type: ctx.getType(), pattern: ws.getPattern(), handshake: data instanceof WsHandshake, user: ws.getClient<Connection>().userId });
    return data instanceof WsHandshake ? data.params.room !== 'closed' : true;
  }
}

/** The shape docs/extending.md shows: a path, class guards, one handler. Nothing in the adapter knows of it. */
@WebSocketGateway({ path: '/ws/test-echo/:room' })
@UseGuards(UserCredentialGuard, ActiveUserGuard, RoomOpenGuard)
class EchoGateway extends RealtimeGateway {
  @SubscribeMessage('chat_message')
  echo(@ConnectedSocket() conn: Connection, @MessageBody('payload') body: ChatPayload): WsResponse<{ room: string; echo: string }> {
    handled.push(body.content);
    return { event: 'status', data: { room: conn.resource.room, echo: body.content } };
  }
}

/** What the lifecycle hooks heard: Nest's own callbacks, run by the adapter only for a gateway that has them. */
const hooks: string[] = [];

@WebSocketGateway({ path: '/ws/test-hooks/:room' })
@UseGuards(UserCredentialGuard, ActiveUserGuard)
class HooksGateway extends RealtimeGateway implements OnGatewayConnection, OnGatewayDisconnect {
  handleConnection(conn: Connection): void {
    hooks.push(`connected ${conn.resource.room} ${conn.userId}`);
  }

  handleDisconnect(conn: Connection): void {
    hooks.push(`disconnected ${conn.resource.room}`);
  }

  @SubscribeMessage('chat_message')
  echo(@MessageBody('payload') body: ChatPayload): WsResponse<{ echo: string }> {
    return { event: 'status', data: { echo: body.content } };
  }
}

@WebSocketGateway({ path: '/ws/test-disconnect/:room' })
@UseGuards(UserCredentialGuard)
class DisconnectHookGateway extends RealtimeGateway implements OnGatewayDisconnect {
  handleDisconnect(conn: Connection): void {
    hooks.push(`left ${conn.resource.room}`);
  }
}

@Module({ imports: [RealtimeModule], providers: [EchoGateway, RoomOpenGuard, HooksGateway, DisconnectHookGateway] })
class EchoModule {}

describe('adding an endpoint is a NestJS task (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let dir: string;
  const url = (room: string) => `${t.wsUrl}/ws/test-echo/${room}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-extend-'));
    const config = AppConfig.fromEnvironment({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SQLITE_PATH: join(dir, 'test.sqlite') });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config), EchoModule] }).compile();
    const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true }));
    await app.listen(0, '127.0.0.1');
    const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    t = { app, config, baseUrl, wsUrl: baseUrl.replace(/^http/, 'ws'), http: () => request(baseUrl), close: () => app.close() };
    alice = await createUser(t);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => { seen.length = 0; handled.length = 0; hooks.length = 0; });

  it('a bad token closes 4001 at the handshake: no frame reaches the handler, and no later guard ran', async () => {
    const c = WsTestClient.connect(url('lobby'), { headers: { Authorization: 'Bearer not-a-token' } });
    await c.opened;
    c.send('chat_message', { content: 'sneaked in before the verdict' });
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4001);
    expect(c.frames.map((f) => f.type)).toEqual(['error']);
    expect(handled).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("runs the class guards at connect through a ws ExecutionContext, then on every frame; the handler's reply carries refId", async () => {
    const c = WsTestClient.connect(url('lobby'), { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect((await c.next('ready')).payload.resource).toEqual({ room: 'lobby' });
    const id = c.send('chat_message', { content: 'hello' });
    const reply = await c.next('status');
    expect(reply).toMatchObject({ refId: id, payload: { room: 'lobby', echo: 'hello' } });
    expect(handled).toEqual(['hello']);
    expect(seen).toEqual([
      { type: 'ws', pattern: '$handshake', handshake: true, user: alice.id },
      { type: 'ws', pattern: 'chat_message', handshake: false, user: alice.id },
    ]);
    c.close();
  });

  it('the handlers are made once per gateway, yet each frame reaches them with its own socket', async () => {
    const rooms = ['north', 'south', 'east'];
    const clients = await Promise.all(rooms.map(async (room) => {
      const c = WsTestClient.connect(url(room), { headers: { Authorization: `Bearer ${alice.accessToken}` } });
      await c.next('ready');
      return c;
    }));
    // Sent together, so the three sockets' frames are handled in the same turns of the event loop.
    const ids = clients.map((c, i) => c.send('chat_message', { content: `from ${rooms[i]}` }));
    const replies = await Promise.all(clients.map((c) => c.next('status')));
    expect(replies.map((r) => [r.refId, r.payload])).toEqual(rooms.map((room, i) => [ids[i], { room, echo: `from ${room}` }]));
    const guardSawFrames = seen.filter((s) => !s.handshake).map((s) => s.pattern);
    expect(guardSawFrames).toEqual(['chat_message', 'chat_message', 'chat_message']);
    clients.forEach((c) => c.close());
  });

  it('a resource guard that refuses closes after ready, before any data; a bad payload is BAD_REQUEST from the pipe, socket open', async () => {
    const refused = WsTestClient.connect(url('closed'), { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect((await refused.closedWithin()).code).toBe(4003);
    expect(refused.frames.map((f) => f.type)).toEqual(['ready', 'error']);

    const c = WsTestClient.connect(url('lobby'), { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    await c.next('ready');
    const id = c.send('chat_message', { content: 42 });
    expect((await c.next('error')).payload).toMatchObject({ code: 'BAD_REQUEST', refId: id, message: expect.stringContaining('payload.content') });
    const ping = c.send('ping', {});
    expect((await c.next('pong')).refId).toBe(ping);
    expect(handled).toEqual([]);
    c.close();
  });

  it("a gateway's handleConnection and handleDisconnect run once each, after the guards, and its handlers still get frames", async () => {
    const refused = WsTestClient.connect(`${t.wsUrl}/ws/test-hooks/den`, { headers: { Authorization: 'Bearer not-a-token' } });
    expect((await refused.closedWithin()).code).toBe(4001);
    const c = WsTestClient.connect(`${t.wsUrl}/ws/test-hooks/den`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    await c.next('ready');
    const id = c.send('chat_message', { content: 'hi' });
    expect(await c.next('status')).toMatchObject({ refId: id, payload: { echo: 'hi' } });
    expect(hooks).toEqual([`connected den ${alice.id}`]);
    c.close();
    await c.closedWithin();
    expect(await eventually(async () => [...hooks], (h) => h.length === 2)).toEqual([`connected den ${alice.id}`, 'disconnected den']);
  });

  it('a gateway with only handleDisconnect hears of each accepted socket closing', async () => {
    const c = WsTestClient.connect(`${t.wsUrl}/ws/test-disconnect/attic`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    await c.next('ready');
    c.close();
    await c.closedWithin();
    expect(await eventually(async () => [...hooks], (h) => h.length === 1)).toEqual(['left attic']);
  });
});

