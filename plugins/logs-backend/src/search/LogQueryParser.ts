import { InputError } from '@backstage/errors';

/**
 * A query in the subset of KQL (Kibana Query Language) the log search
 * takes, parsed into a tree. Words and "phrases" search the message;
 * `field:value`, `field:"phrase"`, `field:prefix*`, `field:*` (exists),
 * `field >= value` (ranges), `and`, `or`, `not` and parentheses combine
 * them. Terms side by side mean AND.
 */
export type LogQueryNode =
  | { type: 'and' | 'or'; children: LogQueryNode[] }
  | { type: 'not'; child: LogQueryNode }
  | {
      type: 'text';
      value: string;
      phrase: boolean;
      prefix: boolean;
      field?: string;
      at: number;
    }
  | { type: 'exists'; field: string; at: number }
  | {
      type: 'range';
      field: string;
      op: 'gt' | 'gte' | 'lt' | 'lte';
      value: string;
      at: number;
    }
  | { type: 'all' };

interface Token {
  kind: 'word' | 'phrase' | 'lparen' | 'rparen' | 'colon' | 'cmp';
  text: string;
  at: number;
}

const MAX_CLAUSES = 64;
const MAX_DEPTH = 16;

function syntaxError(at: number, message: string): InputError {
  return new InputError(`Invalid parameter 'q': ${message} at position ${at}`);
}

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i + 1;
    if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, at });
      i++;
    } else if (c === ':') {
      tokens.push({ kind: 'colon', text: c, at });
      i++;
    } else if (c === '<' || c === '>') {
      const op = input[i + 1] === '=' ? `${c}=` : c;
      tokens.push({ kind: 'cmp', text: op, at });
      i += op.length;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < input.length && input[j] !== '"') {
        if (input[j] === '\\' && j + 1 < input.length) j++;
        text += input[j++];
      }
      if (j >= input.length)
        throw syntaxError(at, 'the quote opened here is never closed');
      tokens.push({ kind: 'phrase', text, at });
      i = j + 1;
    } else {
      let j = i;
      let text = '';
      while (j < input.length && !/[\s():<>"]/.test(input[j])) {
        if (input[j] === '\\' && j + 1 < input.length) j++;
        text += input[j++];
      }
      tokens.push({ kind: 'word', text, at });
      i = j;
    }
  }
  return tokens;
}

/** Parses a query; a syntax error is a 400 naming the parameter and the position (1-based). */
export function parseLogQuery(input: string): LogQueryNode {
  const tokens = lex(input);
  let i = 0;
  let clauses = 0;
  const end = input.length + 1;
  const peek = () => tokens[i];
  const isKeyword = (t: Token | undefined, k: string) =>
    t?.kind === 'word' && t.text.toLowerCase() === k;
  const count = (at: number) => {
    if (++clauses > MAX_CLAUSES)
      throw syntaxError(at, `the query has more than ${MAX_CLAUSES} terms`);
  };

  const value = (field: string | undefined, fieldAt: number): LogQueryNode => {
    const t = tokens[i++];
    if (!t || t.kind === 'rparen' || t.kind === 'colon' || t.kind === 'cmp') {
      throw syntaxError(
        t?.at ?? end,
        field ? `expected a value after '${field}:'` : 'expected a term',
      );
    }
    count(t.at);
    if (t.kind === 'lparen') {
      // field:(a or b)
      const inner = orExpr(1, field);
      if (peek()?.kind !== 'rparen')
        throw syntaxError(peek()?.at ?? end, "expected ')'");
      i++;
      return inner;
    }
    // Errors about a field point at the field; about a value, at the value.
    const at = field ? fieldAt : t.at;
    if (t.kind === 'phrase')
      return {
        type: 'text',
        value: t.text,
        phrase: true,
        prefix: false,
        field,
        at,
      };
    if (field && t.text === '*') return { type: 'exists', field, at: fieldAt };
    const star = t.text.indexOf('*');
    if (star !== -1 && star !== t.text.length - 1) {
      throw syntaxError(t.at + star, "a wildcard '*' may only end a term");
    }
    const prefix = star !== -1;
    const text = prefix ? t.text.slice(0, -1) : t.text;
    if (!text)
      return field ? { type: 'exists', field, at: fieldAt } : { type: 'all' };
    return { type: 'text', value: text, phrase: false, prefix, field, at };
  };

  const primary = (depth: number, field?: string): LogQueryNode => {
    if (depth > MAX_DEPTH)
      throw syntaxError(
        peek()?.at ?? end,
        `the query nests deeper than ${MAX_DEPTH} levels`,
      );
    const t = peek();
    if (!t) throw syntaxError(end, 'expected a term');
    if (isKeyword(t, 'not')) {
      i++;
      return { type: 'not', child: primary(depth + 1, field) };
    }
    if (t.kind === 'lparen') {
      i++;
      const inner = orExpr(depth + 1, field);
      if (peek()?.kind !== 'rparen')
        throw syntaxError(peek()?.at ?? end, "expected ')'");
      i++;
      return inner;
    }
    if (t.kind === 'rparen') throw syntaxError(t.at, "unexpected ')'");
    if (t.kind === 'colon' || t.kind === 'cmp')
      throw syntaxError(t.at, `expected a field name before '${t.text}'`);
    if (!field && t.kind === 'word' && tokens[i + 1]?.kind === 'colon') {
      if (!/^[@A-Za-z0-9_][A-Za-z0-9_.@-]*$/.test(t.text))
        throw syntaxError(t.at, `'${t.text}' is not a field name`);
      i += 2;
      return value(t.text, t.at);
    }
    if (!field && t.kind === 'word' && tokens[i + 1]?.kind === 'cmp') {
      const op = tokens[i + 1].text;
      i += 2;
      const v = tokens[i++];
      if (!v || (v.kind !== 'word' && v.kind !== 'phrase'))
        throw syntaxError(v?.at ?? end, `expected a value after '${op}'`);
      count(v.at);
      const ops: Record<string, 'gt' | 'gte' | 'lt' | 'lte'> = {
        '>': 'gt',
        '>=': 'gte',
        '<': 'lt',
        '<=': 'lte',
      };
      return {
        type: 'range',
        field: t.text,
        op: ops[op],
        value: v.text,
        at: t.at,
      };
    }
    return value(field, t.at);
  };

  const andExpr = (depth: number, field?: string): LogQueryNode => {
    const children = [primary(depth, field)];
    for (;;) {
      const t = peek();
      if (!t || t.kind === 'rparen' || isKeyword(t, 'or')) break;
      if (isKeyword(t, 'and')) {
        i++;
        if (!peek() || peek()!.kind === 'rparen')
          throw syntaxError(peek()?.at ?? end, "expected a term after 'and'");
      }
      children.push(primary(depth, field));
    }
    return children.length === 1 ? children[0] : { type: 'and', children };
  };

  // A function declaration: value() and primary() above recurse into it for parentheses.
  function orExpr(depth: number, field?: string): LogQueryNode {
    const children = [andExpr(depth, field)];
    while (isKeyword(peek(), 'or')) {
      i++;
      if (!peek() || peek()!.kind === 'rparen')
        throw syntaxError(peek()?.at ?? end, "expected a term after 'or'");
      children.push(andExpr(depth, field));
    }
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  if (tokens.length === 0) return { type: 'all' };
  const tree = orExpr(0);
  if (i < tokens.length) {
    const t = tokens[i];
    throw syntaxError(
      t.at,
      t.kind === 'rparen' ? "unexpected ')'" : `unexpected '${t.text}'`,
    );
  }
  return tree;
}

/** The fields a query names (checked against the index's fields). */
export function fieldsOf(
  node: LogQueryNode,
): Array<{ field: string; at: number }> {
  switch (node.type) {
    case 'and':
    case 'or':
      return node.children.flatMap(fieldsOf);
    case 'not':
      return fieldsOf(node.child);
    case 'text':
      return node.field ? [{ field: node.field, at: node.at }] : [];
    case 'exists':
    case 'range':
      return [{ field: node.field, at: node.at }];
    default:
      return [];
  }
}

const kqlValue = (v: string) =>
  /^[\w.@/-]+$/.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;

/** The query as KQL for Kibana (explicit `and`, quoted values), the same meaning as here. */
export function toKql(node: LogQueryNode): string {
  switch (node.type) {
    case 'and':
    case 'or':
      return node.children
        .map(c =>
          c.type === 'and' || c.type === 'or' ? `(${toKql(c)})` : toKql(c),
        )
        .join(` ${node.type} `);
    case 'not':
      return `not ${
        node.child.type === 'and' || node.child.type === 'or'
          ? `(${toKql(node.child)})`
          : toKql(node.child)
      }`;
    case 'text': {
      let v = kqlValue(node.value);
      if (node.prefix) v = `${node.value.replace(/[\s\\():<>"*]/g, '\\$&')}*`;
      else if (node.phrase) v = `"${node.value.replace(/["\\]/g, '\\$&')}"`;
      return node.field ? `${node.field}:${v}` : v;
    }
    case 'exists':
      return `${node.field}:*`;
    case 'range':
      return `${node.field} ${
        { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op]
      } ${kqlValue(node.value)}`;
    default:
      return '';
  }
}
