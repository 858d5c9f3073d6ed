import { InputError } from '@backstage/errors';
import { z } from 'zod';

/**
 * Validates an action's input with zod, beyond the JSON schema the
 * scaffolder checks (which drops refinements): the error names every field
 * that is wrong, and nothing has happened yet.
 */
export function parseInput<T extends z.ZodTypeAny>(
  action: string,
  schema: T,
  input: unknown,
): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map(
    i => `Input '${i.path.join('.') || '(input)'}': ${i.message}`,
  );
  throw new InputError(
    `${action}: invalid input; nothing was changed:\n- ${fields.join('\n- ')}`,
  );
}

/** A string checked by one of the `...Problems` functions of names.ts. */
export function checkedString(problems: (value: string) => string[]) {
  return z.string().superRefine((value, ctx) => {
    for (const message of problems(value))
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  });
}

/** An entity reference, e.g. `group:default/team-payments` (or a bare name, given a default kind). */
export const entityRefString = z
  .string()
  .min(1)
  .max(255)
  .regex(
    /^([a-zA-Z][\w-]*:)?([a-z0-9][\w.-]*\/)?[a-zA-Z0-9][\w.-]*$/,
    'must be an entity reference like kind:namespace/name',
  );

export const environmentName = z
  .string()
  .regex(/^[a-z0-9-]{1,63}$/, 'must be 1-63 lower case letters, digits and -');
