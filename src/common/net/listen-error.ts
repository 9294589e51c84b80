import { StartupError } from '../errors/startup-error';

/**
 * The operator's reading of a failed `listen(PORT, HOST)`, naming the variable
 * to change, or undefined for an error no setting explains. Node reports these
 * as `getaddrinfo ENOTFOUND not-a-host` and the like, with a stack and without
 * saying which setting it came from.
 */
export function listenFailure(err: unknown, host: string, port: number): StartupError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = (() => {
    switch (code) {
      case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_NONAME': case 'EAI_FAIL':
        return `HOST: "${host}" does not resolve to an address (${code})`;
      case 'EADDRNOTAVAIL': case 'EAFNOSUPPORT':
        return `HOST: ${host} is not an address of this machine (${code})`;
      case 'EADDRINUSE':
        return `PORT: ${port} is already in use on ${host} (EADDRINUSE)`;
      case 'EACCES': case 'EPERM':
        return `PORT: binding ${host}:${port} is not permitted (${code}); ports below 1024 need privileges, use a higher one`;
      default:
        return undefined;
    }
  })();
  return reason === undefined ? undefined : new StartupError(`Cannot listen: ${reason}`);
}
