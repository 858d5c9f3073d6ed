import { estypes } from '@elastic/elasticsearch';
import { InputError } from '@backstage/errors';
import { LogFieldNames, LogScope } from '@portolan/plugin-logs-common';
import { LogQueryNode, fieldsOf } from './LogQueryParser';

type Query = estypes.QueryDslQueryContainer;

/** Field name → Elasticsearch type (from `_field_caps`). */
export type FieldTypes = Map<string, string>;

const TEXT_TYPES = new Set(['text', 'match_only_text']);
const NUMBER_TYPES = new Set([
  'long',
  'integer',
  'short',
  'byte',
  'double',
  'float',
  'half_float',
  'scaled_float',
  'unsigned_long',
]);

/** simple_query_string's operators, escaped so a user's prefix is only a prefix. */
const escapeSimple = (v: string) => v.replace(/[+|\-"*()~\\]/g, '\\$&');

/**
 * Builds the Elasticsearch query for a search: the user's query (parsed,
 * never passed through as query syntax) and filters, always inside a
 * `bool.filter` with the scope — the entity's own service — so no input
 * reaches another service's lines.
 */
export class LogQueryBuilder {
  constructor(
    private readonly fields: LogFieldNames,
    private readonly types: FieldTypes,
  ) {}

  /** The scope filter: one service (or, for a team, any of its services). */
  scopeFilter(scopes: LogScope[]): Query {
    if (scopes.length === 0) return { match_none: {} };
    const one = (s: LogScope): Query => ({
      term: { [s.serviceField]: s.service },
    });
    return scopes.length === 1
      ? one(scopes[0])
      : { bool: { should: scopes.map(one), minimum_should_match: 1 } };
  }

  /** Checks that the fields a query names exist in the index (400 naming the position otherwise). */
  checkFields(node: LogQueryNode): void {
    for (const { field, at } of fieldsOf(node)) {
      if (!this.types.has(field)) {
        throw new InputError(
          `Invalid parameter 'q': the logs have no field '${field}' (at position ${at})`,
        );
      }
    }
  }

  userQuery(node: LogQueryNode): Query | undefined {
    switch (node.type) {
      case 'all':
        return undefined;
      case 'and':
        return {
          bool: {
            filter: node.children.map(
              c => this.userQuery(c) ?? { match_all: {} },
            ),
          },
        };
      case 'or':
        return {
          bool: {
            should: node.children.map(
              c => this.userQuery(c) ?? { match_all: {} },
            ),
            minimum_should_match: 1,
          },
        };
      case 'not':
        return {
          bool: { must_not: [this.userQuery(node.child) ?? { match_all: {} }] },
        };
      case 'exists':
        return { exists: { field: node.field } };
      case 'range':
        return { range: { [node.field]: { [node.op]: node.value } } };
      default: {
        const field = node.field ?? this.fields.message;
        const type = this.types.get(field) ?? 'text';
        if (node.prefix) {
          return {
            simple_query_string: {
              query: `${escapeSimple(node.value)}*`,
              fields: [field],
              default_operator: 'and',
            },
          };
        }
        if (TEXT_TYPES.has(type)) {
          return node.phrase
            ? { match_phrase: { [field]: node.value } }
            : { match: { [field]: { query: node.value, operator: 'and' } } };
        }
        if (
          NUMBER_TYPES.has(type) ||
          type === 'keyword' ||
          type === 'constant_keyword' ||
          type === 'date' ||
          type === 'boolean' ||
          type === 'ip'
        ) {
          return { term: { [field]: node.value } };
        }
        return { match: { [field]: { query: node.value, operator: 'and' } } };
      }
    }
  }

  /** `field:value` filters (any field of the index), each exact. */
  fieldFilters(filters: Array<{ field: string; value: string }>): Query[] {
    return filters.map(({ field, value }) => {
      if (!this.types.has(field))
        throw new InputError(
          `Invalid parameter 'filter': the logs have no field '${field}'`,
        );
      return TEXT_TYPES.has(this.types.get(field)!)
        ? { match_phrase: { [field]: value } }
        : { term: { [field]: value } };
    });
  }

  /** The whole query: scope, time range, facets' filters, field filters and the user's query. */
  build(input: {
    scopes: LogScope[];
    from: Date;
    to: Date;
    node: LogQueryNode;
    environment?: string[];
    level?: string[];
    pod?: string[];
    filters?: Array<{ field: string; value: string }>;
    extra?: Query[];
  }): Query {
    const f = this.fields;
    const filter: Query[] = [
      this.scopeFilter(input.scopes),
      {
        range: {
          [f.timestamp]: {
            gte: input.from.toISOString(),
            lte: input.to.toISOString(),
            format: 'strict_date_optional_time',
          },
        },
      },
    ];
    const envField = input.scopes[0]?.environmentField ?? f.environment;
    if (input.environment?.length)
      filter.push({ terms: { [envField]: input.environment } });
    if (input.level?.length) filter.push({ terms: { [f.level]: input.level } });
    if (input.pod?.length) filter.push({ terms: { [f.pod]: input.pod } });
    filter.push(
      ...this.fieldFilters(input.filters ?? []),
      ...(input.extra ?? []),
    );
    const user = this.userQuery(input.node);
    return { bool: { filter, ...(user ? { must: [user] } : {}) } };
  }
}
