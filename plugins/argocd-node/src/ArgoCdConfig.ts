import { Config } from '@backstage/config';
import { z } from 'zod';
import { isLoopbackUrl } from './loopback';

/** One Argo CD instance the portal talks to. */
export interface ArgoCdInstanceConfig {
  name: string;
  /** Base URL, without /api/v1. */
  url: string;
  /** A static API token (`argocd account generate-token`)... */
  token?: string;
  /** ...or a local account, exchanged for a session token. */
  username?: string;
  password?: string;
}

/** Where the instances are configured: the same list Roadie's plugin reads. */
export const ARGOCD_INSTANCES_CONFIG_KEY = 'argocd.appLocatorMethods';

const instanceSchema = z
  .object({
    name: z
      .string()
      .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
        'must be a lower-case DNS label',
      ),
    url: z
      .string()
      .url()
      .refine(u => /^https?:\/\//i.test(u), 'must be an http(s) URL')
      .refine(
        u => !/^http:/i.test(u) || isLoopbackUrl(u),
        'must be https: (http: is allowed only for loopback addresses: localhost, 127.0.0.0/8, ::1), so tokens never cross a network in clear text',
      ),
    token: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  })
  .refine(i => i.token || (i.username && i.password), {
    message: 'needs either token, or username and password',
  });

/**
 * Reads and validates the Argo CD instances from config. A bad value stops
 * start-up with an error naming its key.
 */
export function readArgoCdInstances(config: Config): ArgoCdInstanceConfig[] {
  const methods =
    config.getOptionalConfigArray(ARGOCD_INSTANCES_CONFIG_KEY) ?? [];
  const instances: ArgoCdInstanceConfig[] = [];
  methods.forEach((method, m) => {
    if (method.getString('type') !== 'config') return;
    method.getConfigArray('instances').forEach((instance, i) => {
      const key = `${ARGOCD_INSTANCES_CONFIG_KEY}[${m}].instances[${i}]`;
      const parsed = instanceSchema.safeParse(instance.get());
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue.path.length ? `.${issue.path.join('.')}` : '';
        throw new Error(
          `Invalid config value at '${key}${field}': ${issue.message}`,
        );
      }
      instances.push({
        ...parsed.data,
        url: parsed.data.url.replace(/\/+$/, ''),
      });
    });
  });
  const names = new Set<string>();
  for (const instance of instances) {
    if (names.has(instance.name)) {
      throw new Error(
        `Invalid config value at '${ARGOCD_INSTANCES_CONFIG_KEY}': instance name '${instance.name}' is used twice`,
      );
    }
    names.add(instance.name);
  }
  return instances;
}
