import { ForbiddenError, NotFoundError } from '../../common/errors/domain-errors';
import { ConversationsService } from '../../conversations/conversations.service';
import { EntriesService } from '../../entries/entries.service';
import { RESOURCE_CHECK } from '../../realtime/nest/ws-decorators';
import { ConversationMemberGuard } from './conversation-member.guard';
import { EntryOwnerGuard } from './entry-owner.guard';
import { handshakeFor, testConnection, userAuth, verdictOf, wsContext } from './guard-testing';

const header = { method: 'header' as const, source: 'authorization' as const, secret: 't' };

describe('EntryOwnerGuard', () => {
  const entry = { id: 'e1', title: 'T', content: 'C' };
  const accessForStream = jest.fn();
  const guard = new EntryOwnerGuard({ accessForStream } as unknown as EntriesService);

  it('is a resource check, run after ready', () => {
    expect(Reflect.getMetadata(RESOURCE_CHECK, EntryOwnerGuard)).toBe(true);
  });

  it("passes the owner's entry to the gateway", async () => {
    accessForStream.mockResolvedValueOnce({ status: 'ok', entry });
    const conn = testConnection(userAuth());
    await expect(verdictOf(() => guard.canActivate(wsContext(conn, handshakeFor(header, { entryId: 'e1' }))))).resolves.toBe(true);
    expect(accessForStream).toHaveBeenCalledWith('e1', 'u1');
    expect(conn.context.entry).toBe(entry);
  });

  it("refuses another user's entry 4003 and a missing one 4004", async () => {
    accessForStream.mockResolvedValueOnce({ status: 'forbidden' }).mockResolvedValueOnce({ status: 'missing' });
    await expect(verdictOf(() => guard.canActivate(wsContext(testConnection(userAuth()), handshakeFor(header, { entryId: 'e2' }))))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(verdictOf(() => guard.canActivate(wsContext(testConnection(userAuth()), handshakeFor(header, { entryId: 'e3' }))))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('queries nothing on a frame', async () => {
    accessForStream.mockClear();
    await expect(verdictOf(() => guard.canActivate(wsContext(testConnection(userAuth()), { id: 'f' }, 'ping')))).resolves.toBe(true);
    expect(accessForStream).not.toHaveBeenCalled();
  });
});

describe('ConversationMemberGuard', () => {
  const access = jest.fn();
  const guard = new ConversationMemberGuard({ access } as unknown as ConversationsService);

  it('is a resource check, run after ready', () => {
    expect(Reflect.getMetadata(RESOURCE_CHECK, ConversationMemberGuard)).toBe(true);
  });

  it('lets a member in, refuses a non-member 4003 and an unknown conversation 4004', async () => {
    access.mockResolvedValueOnce('ok').mockResolvedValueOnce('forbidden').mockResolvedValueOnce('missing');
    const ctx = () => wsContext(testConnection(userAuth()), handshakeFor(header, { conversationId: 'c1' }));
    await expect(verdictOf(() => guard.canActivate(ctx()))).resolves.toBe(true);
    expect(access).toHaveBeenCalledWith('c1', 'u1');
    await expect(verdictOf(() => guard.canActivate(ctx()))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(verdictOf(() => guard.canActivate(ctx()))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('queries nothing on a frame', async () => {
    access.mockClear();
    await expect(verdictOf(() => guard.canActivate(wsContext(testConnection(userAuth()), { id: 'f' }, 'chat_message')))).resolves.toBe(true);
    expect(access).not.toHaveBeenCalled();
  });
});
