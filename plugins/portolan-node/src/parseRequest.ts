import { InputError } from '@backstage/errors';
import { z } from 'zod';

/** An entity kind, namespace or name as it may appear in a path. */
export const entityNamePart = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/);
export const entityParams = z.object({
  kind: entityNamePart,
  namespace: entityNamePart,
  name: entityNamePart,
});

/** Parses request input; a failure is a 400 naming the parameter. */
export function parseRequest<T>(
  schema: z.ZodType<T, any, any>,
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param =
      issue.path.join('.') ||
      (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'request');
    throw new InputError(`Invalid parameter '${param}': ${issue.message}`);
  }
  return result.data;
}
