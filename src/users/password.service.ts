import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/**
 * argon2id at OWASP's 19 MiB / t=2 / p=1 profile: slow enough to resist offline
 * guessing, quick enough (~25 ms here) that login stays responsive on 2 cores.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
/** A fixed hash verified against when the account does not exist, so timing does not reveal which emails exist. */
let decoy: Promise<string> | undefined;

@Injectable()
export class PasswordService {
  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (!hash) {
      decoy ??= argon2.hash('decoy-password-for-timing', OPTIONS);
      await argon2.verify(await decoy, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }
}
