import { Config } from '@backstage/config';

/** One scalar value of the config and the key that names it. */
export interface ConfigLeaf {
  /** e.g. `kubernetes.clusterLocatorMethods[0].clusters[1].url` */
  key: string;
  /** The last object key on the way (`url` above). */
  name: string;
  value: string | number | boolean | null;
}

function* walk(
  value: unknown,
  key: string,
  name: string,
): Generator<ConfigLeaf> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries())
      yield* walk(item, `${key}[${i}]`, name);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, item] of Object.entries(value))
      yield* walk(item, key ? `${key}.${k}` : k, k);
  } else if (value !== undefined) {
    yield { key, name, value: value as ConfigLeaf['value'] };
  }
}

/** Every scalar value of the (merged) config, with the key it is read by. */
export function configLeaves(config: Config): ConfigLeaf[] {
  return [...walk(config.getOptional(), '', '')];
}
