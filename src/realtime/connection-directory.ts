import { Injectable } from '@nestjs/common';
import { CloseSpec } from './close-codes';
import { ConnectionRegistry, ConnectionView } from './connection-registry';
import { SessionLifecycleService } from './session/session-lifecycle.service';

/** Live sockets held by the other instances (the Redis directory when REDIS_URL is set). */
export interface RemoteConnections {
  readonly instanceId: string;
  list(filter: { userId?: string }): Promise<Array<ConnectionView & { instanceId: string }>>;
  /** Asks the instance holding the socket to close it; false when no instance has it. */
  close(id: string, code: number, adminId: string): Promise<boolean>;
}

/**
 * The admin view of live sockets: this instance's registry, plus every other
 * instance's once scaled out. Without a remote it is exactly the local registry.
 */
@Injectable()
export class ConnectionDirectory {
  private remote?: RemoteConnections;

  constructor(private readonly registry: ConnectionRegistry, private readonly lifecycle: SessionLifecycleService) {}

  setRemote(remote: RemoteConnections | undefined): void {
    this.remote = remote;
  }

  async list(filter: { userId?: string } = {}): Promise<ConnectionView[]> {
    const local = this.registry.list(filter);
    if (!this.remote) return local;
    const instanceId = this.remote.instanceId;
    return [...local.map((v) => ({ ...v, instanceId })), ...(await this.remote.list(filter))];
  }

  /** Closes one socket wherever it lives; false when none has it. */
  async close(id: string, spec: CloseSpec, adminId: string): Promise<boolean> {
    if (this.lifecycle.closeById(id, spec, adminId)) return true;
    return this.remote ? this.remote.close(id, spec.code, adminId) : false;
  }
}
