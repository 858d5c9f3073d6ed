import type { estypes } from '@elastic/elasticsearch';

/**
 * An error Elasticsearch would answer with: `{ error: { root_cause, type,
 * reason, ... }, status }` (ElasticsearchException#generateFailureXContent).
 */
export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
    readonly extra: Record<string, unknown> = {},
    readonly causedBy?: estypes.ErrorCause,
  ) {
    super(reason);
  }

  body(): estypes.ErrorResponseBase {
    const cause: estypes.ErrorCause = {
      type: this.type,
      reason: this.message,
      ...this.extra,
    };
    // root_cause lists the innermost causes, as Elasticsearch reports them.
    const root = this.causedBy ?? cause;
    return {
      error: {
        root_cause: [root],
        ...cause,
        ...(this.causedBy ? { caused_by: this.causedBy } : {}),
      },
      status: this.status,
    };
  }
}

/** A query that does not parse: `parsing_exception` (400), as the search API's parsers throw it. */
export function parsingError(reason: string): EsError {
  return new EsError(400, 'parsing_exception', reason, { line: 1, col: 1 });
}

/** A bad argument: `illegal_argument_exception` (400). */
export function illegalArgument(reason: string): EsError {
  return new EsError(400, 'illegal_argument_exception', reason);
}

/**
 * A query that parsed but cannot run against the mapping (a number field
 * given text, a query_string syntax error): Elasticsearch wraps these in
 * `search_phase_execution_exception` with the shard's cause.
 */
export function shardQueryError(
  index: string,
  cause: estypes.ErrorCause,
): EsError {
  return new EsError(
    400,
    'search_phase_execution_exception',
    'all shards failed',
    {
      phase: 'query',
      grouped: true,
      failed_shards: [
        { shard: 0, index, node: 'portolan-sandbox-node', reason: cause },
      ],
    },
    cause,
  );
}

export function indexNotFound(index: string): EsError {
  return new EsError(
    404,
    'index_not_found_exception',
    `no such index [${index}]`,
    {
      'resource.type': 'index_or_alias',
      'resource.id': index,
      index_uuid: '_na_',
      index,
    },
  );
}
