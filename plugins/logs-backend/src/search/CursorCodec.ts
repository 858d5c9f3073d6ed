import { InputError } from '@backstage/errors';
import crypto from 'node:crypto';
import { z } from 'zod';

/**
 * Where the next page starts. After the first page (searched fresh, without
 * a point in time): the last line's time and the ids shown at that time.
 * After that: the point in time and the last hit's sort values.
 */
const cursorSchema = z
  .object({
    /** Binds the cursor to its query (entity or team, text, filters, time range). */
    k: z.string().max(64),
    /** The boundary the first page ended at: no line newer than `ts`, none of `ids`. */
    b: z.object({
      ts: z.number().finite(),
      ids: z.array(z.string().max(200)).max(500),
    }),
    /** When the first page was searched: a point in time opened later holds every line it saw. */
    t: z.number().finite(),
    pit: z.string().max(2000).optional(),
    after: z
      .array(z.union([z.number(), z.string().max(100)]))
      .max(4)
      .optional(),
  })
  .strict();

export type SearchCursor = z.infer<typeof cursorSchema>;

/**
 * Opaque cursors: base64url JSON with an HMAC-SHA256, so a client can
 * neither forge one nor move it to another query; anything else is a 400
 * naming the parameter.
 */
export class CursorCodec {
  private readonly key: Buffer;

  constructor(secret?: string) {
    this.key = secret ? Buffer.from(secret, 'utf8') : crypto.randomBytes(32);
  }

  encode(cursor: SearchCursor): string {
    const payload = Buffer.from(JSON.stringify(cursor)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(value: string, key: string, param = 'cursor'): SearchCursor {
    const [payload, sig, ...rest] = value.split('.');
    const invalid = (why: string) =>
      new InputError(`Invalid parameter '${param}': ${why}`);
    if (!payload || !sig || rest.length)
      throw invalid('not a cursor this API returned');
    const expected = this.sign(payload);
    if (
      sig.length !== expected.length ||
      !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected))
    ) {
      throw invalid(
        'not a cursor this API returned (or it was signed before a restart)',
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid('not a cursor this API returned');
    }
    const result = cursorSchema.safeParse(parsed);
    if (!result.success) throw invalid('not a cursor this API returned');
    if (result.data.k !== key)
      throw invalid(
        'belongs to another query (search again from the first page)',
      );
    return result.data;
  }

  /** A short key of a query's parameters. */
  static queryKey(parts: unknown): string {
    return crypto
      .createHash('sha256')
      .update(JSON.stringify(parts))
      .digest('base64url')
      .slice(0, 22);
  }

  private sign(payload: string): string {
    return crypto
      .createHmac('sha256', this.key)
      .update(payload)
      .digest('base64url');
  }
}
