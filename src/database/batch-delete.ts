import { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';

/**
 * Deletes at most `limit` rows matching `where` and returns how many went:
 * ids first, then one DELETE by id, the same SQL on SQLite and PostgreSQL.
 * Clean-up jobs call it until a batch comes back short, so no statement holds
 * a lock (SQLite's is the whole database) for longer than one batch.
 */
export async function deleteBatch<T extends ObjectLiteral & { id: string }>(
  repo: Repository<T>, where: (qb: SelectQueryBuilder<T>) => SelectQueryBuilder<T>, limit: number,
): Promise<number> {
  const rows = await where(repo.createQueryBuilder('t').select('t.id', 'id')).limit(limit).getRawMany<{ id: string }>();
  if (rows.length) await repo.delete(rows.map((r) => r.id));
  return rows.length;
}
