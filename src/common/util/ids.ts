import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

export const newId = (): string => randomUUID();

/**
 * A UUID whose first 48 bits are the creation time in milliseconds (RFC 9562
 * version 7; increasing within a process, even within one millisecond), for
 * rows written in creation order and never by a client-known id: audit events.
 * Each one lands at the right-hand edge of the primary-key index instead of on
 * a random page of it, which keeps inserting cheap as the table grows
 * (bench/audit-insert.js). It reveals when the row was made, as the row's
 * createdAt does anyway; ids that must not (sessions, tokens) stay random.
 */
export const newTimeOrderedId = (): string => uuidv7();

/** 256 bits of randomness, base64url: refresh tokens, ws tickets and API keys. */
export const newOpaqueSecret = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');

/** Opaque secrets are high-entropy, so a fast hash is enough and lets us look them up by index. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');
