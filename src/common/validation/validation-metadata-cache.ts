import { getMetadataStorage } from 'class-validator';

type Lookup = (target: unknown, schema: unknown, always: boolean, strictGroups: boolean, groups?: string[]) => object[];
interface Storage {
  getTargetValidationMetadatas: Lookup;
  groupByPropertyName(metadatas: object[]): Record<string, object[]>;
  addValidationMetadata(...args: unknown[]): void;
  addConstraintMetadata(...args: unknown[]): void;
  addValidationSchema(...args: unknown[]): void;
}
const INSTALLED = Symbol.for('portcullis.validationMetadataCache');

/**
 * class-validator looks up a class's rules on every validate call by walking
 * every class it knows (an `instanceof` per registered class, for inherited
 * rules), then groups them by property: ~20 µs per call here, paid by every
 * WebSocket frame (envelope and payload) and every REST body. The rules of a
 * class only change when a decorator registers one, so the answers are
 * remembered per (class, options) and forgotten whenever anything registers.
 * Calls with validation groups are not cached. Installed once per process.
 */
export function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage & { [INSTALLED]?: true };
  if (storage[INSTALLED]) return;
  storage[INSTALLED] = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  let found = new Map<unknown, Map<string, object[]>>();
  let grouped = new WeakMap<object[], Record<string, object[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (groups?.length) return lookup(target, schema, always, strictGroups, groups);
    const key = `${String(schema)}|${always}|${strictGroups}`;
    let byOptions = found.get(target);
    if (!byOptions) found.set(target, (byOptions = new Map()));
    let metadatas = byOptions.get(key);
    if (!metadatas) byOptions.set(key, (metadatas = lookup(target, schema, always, strictGroups, groups)));
    return metadatas;
  };
  storage.groupByPropertyName = (metadatas) => {
    let out = grouped.get(metadatas);
    if (!out) grouped.set(metadatas, (out = group(metadatas)));
    return out;
  };
  for (const name of ['addValidationMetadata', 'addConstraintMetadata', 'addValidationSchema'] as const) {
    const register = storage[name].bind(storage);
    storage[name] = (...args: unknown[]) => {
      found = new Map();
      grouped = new WeakMap();
      register(...args);
    };
  }
}
