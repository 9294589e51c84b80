import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-errors';
import { DomainEvents } from '../events/domain-events';
import { EntriesRepository, EntryPatch } from './entries.repository';
import { Entry } from './entry.entity';

/** What an entry looks like outside the service. */
export interface EntryView {
  id: string;
  ownerId: string;
  title: string;
  content: string;
  createdAt: string;
  updatedAt: string;
}

export const toEntryView = (e: Entry): EntryView => ({
  id: e.id, ownerId: e.ownerId, title: e.title, content: e.content,
  createdAt: new Date(e.createdAt).toISOString(), updatedAt: new Date(e.updatedAt).toISOString(),
});

export type StreamAccess = { status: 'ok'; entry: EntryView } | { status: 'missing' } | { status: 'forbidden' };

@Injectable()
export class EntriesService {
  constructor(private readonly entries: EntriesRepository, private readonly events: DomainEvents) {}

  async create(ownerId: string, input: { title: string; content: string }): Promise<EntryView> {
    return toEntryView(await this.entries.insert({ ownerId, title: input.title, content: input.content }));
  }

  async list(ownerId: string, page: { limit: number; offset: number }): Promise<EntryView[]> {
    return (await this.entries.listOwned(ownerId, page)).map(toEntryView);
  }

  /** Another user's entry is reported exactly like a missing one, so ids cannot be probed. */
  async get(id: string, ownerId: string): Promise<EntryView> {
    const entry = await this.entries.findOwned(id, ownerId);
    if (!entry) throw new NotFoundError('Entry');
    return toEntryView(entry);
  }

  async update(id: string, ownerId: string, patch: EntryPatch): Promise<EntryView> {
    const clean: EntryPatch = {};
    if (patch.title !== undefined) clean.title = patch.title;
    if (patch.content !== undefined) clean.content = patch.content;
    const entry = await this.entries.update(id, ownerId, clean);
    if (!entry) throw new NotFoundError('Entry');
    return toEntryView(entry);
  }

  /** Emitted after the delete is committed, so a reflection stream on it can stop. */
  async remove(id: string, ownerId: string): Promise<void> {
    if (!(await this.entries.delete(id, ownerId))) throw new NotFoundError('Entry');
    this.events.emit('entry.deleted', { entryId: id, ownerId });
  }

  /**
   * For the WebSocket layer, which closes 4004 on 'missing' and 4003 on
   * 'forbidden'. Unlike REST it may reveal existence: the caller is already
   * authenticated and the contract gives the two cases distinct close codes.
   */
  async accessForStream(entryId: string, userId: string): Promise<StreamAccess> {
    const entry = await this.entries.findOwned(entryId, userId);
    if (entry) return { status: 'ok', entry: toEntryView(entry) };
    return (await this.entries.findOwnerId(entryId)) ? { status: 'forbidden' } : { status: 'missing' };
  }
}
