import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createUser } from './helpers/factories';
import { startTestApp } from './helpers/test-app';
import { bearer, connectReady, waitFrame } from './helpers/ws-assertions';

describe('embedded SQLite (e2e)', () => {
  const synchronous = async (env: Record<string, string>) => {
    const t = await startTestApp(env);
    try {
      const db = t.app.get(DataSource);
      expect(db.options.type).toBe('sqlite');
      const [{ journal_mode: journal }] = await db.query('PRAGMA journal_mode');
      const [{ synchronous: level }] = await db.query('PRAGMA synchronous');
      return { journal, level };
    } finally {
      await t.close();
    }
  };

  it('runs in WAL mode with a full fsync at each commit by default', async () => {
    const got = await synchronous({});
    expect(got).toEqual({ journal: 'wal', level: 2 });
  });

  it('takes SQLITE_SYNCHRONOUS=normal', async () => {
    const got = await synchronous({ SQLITE_SYNCHRONOUS: 'normal' });
    expect(got).toEqual({ journal: 'wal', level: 1 });
  });

  describe('chat seq trigger (one-statement append)', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'portcullis-trigger-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a stored message moves the conversation\'s lastSeq to its seq; start-up refuses a database without the trigger', async () => {
      const env = { SQLITE_PATH: join(dir, 'db.sqlite') };
      const t = await startTestApp(env);
      try {
        const db = t.app.get(DataSource);
        expect(await db.query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)).toEqual([{ name: 'trg_messages_last_seq' }]);
        const alice = await createUser(t);
        const id = (await t.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'seq' }).expect(201)).body.id as string;
        const { c } = await connectReady(`${t.wsUrl}/ws/conversations/${id}`, alice.accessToken);
        const seqs: number[] = [];
        for (const content of ['one', 'two', 'three']) {
          const refId = c.send('chat_message', { content });
          seqs.push((await waitFrame(c, (f) => f.type === 'ack' && f.refId === refId)).payload.seq as number);
        }
        c.close();
        expect(seqs).toEqual([1, 2, 3]);
        const got = (await t.http().get(`/v1/conversations/${id}`).set(bearer(alice.accessToken)).expect(200)).body;
        expect(got.lastSeq).toBe(3);
        await db.query('DROP TRIGGER trg_messages_last_seq');
      } finally {
        await t.app.close();
      }
      await expect(startTestApp(env)).rejects.toThrow(/trigger trg_messages_last_seq is missing/);
    });
  });
});
