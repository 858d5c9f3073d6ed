/**
 * Text analysis as Elasticsearch's `standard` analyzer does it for the
 * log messages here: Unicode word tokens, lower-cased. (The real tokenizer
 * follows UAX #29; for log text the difference is in corner cases only.)
 */
export function tokenize(text: string): string[] {
  return (
    text.toLowerCase().match(/[\p{L}\p{N}_]+(?:[.'][\p{L}\p{N}_]+)*/gu) ?? []
  );
}

/** Token positions: start/end offsets in the original text, for highlighting. */
export function tokenSpans(
  text: string,
): Array<{ token: string; start: number; end: number }> {
  const out: Array<{ token: string; start: number; end: number }> = [];
  const re = /[\p{L}\p{N}_]+(?:[.'][\p{L}\p{N}_]+)*/gu;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({
      token: m[0].toLowerCase(),
      start: m.index,
      end: m.index + m[0].length,
    });
  }
  return out;
}

/** A term the text must (or must not) contain: a token, a prefix (`time*`) or a phrase. */
export type TextClause =
  | { kind: 'term'; value: string; prefix?: boolean }
  | { kind: 'phrase'; tokens: string[] };

/** A text query as a tree: AND / OR / NOT over clauses. */
export type TextQuery =
  | { op: 'and' | 'or'; children: TextQuery[] }
  | { op: 'not'; child: TextQuery }
  | { op: 'clause'; clause: TextClause; field?: string }
  | { op: 'all' };

export function matchesClause(tokens: string[], clause: TextClause): boolean {
  if (clause.kind === 'term') {
    return clause.prefix
      ? tokens.some(t => t.startsWith(clause.value))
      : tokens.includes(clause.value);
  }
  const p = clause.tokens;
  if (p.length === 0) return true;
  for (let i = 0; i + p.length <= tokens.length; i++) {
    if (p.every((word, j) => tokens[i + j] === word)) return true;
  }
  return false;
}

/** Positive clauses of a text query (for highlighting and pre-filtering). */
export function positiveClauses(q: TextQuery, negated = false): TextClause[] {
  switch (q.op) {
    case 'clause':
      return negated ? [] : [q.clause];
    case 'not':
      return positiveClauses(q.child, !negated);
    case 'and':
    case 'or':
      return q.children.flatMap(c => positiveClauses(c, negated));
    default:
      return [];
  }
}

function clauseFor(word: string): TextClause | undefined {
  const prefix = word.endsWith('*');
  const tokens = tokenize(prefix ? word.slice(0, -1) : word);
  if (tokens.length === 0) return undefined;
  if (tokens.length === 1) return { kind: 'term', value: tokens[0], prefix };
  return { kind: 'phrase', tokens };
}

/** Parts joined by `op`: everything when there are none, the part itself when there is one. */
function group(parts: TextQuery[], op: 'and' | 'or'): TextQuery {
  if (parts.length === 0) return { op: 'all' };
  if (parts.length === 1) return parts[0];
  return { op, children: parts };
}

/**
 * `simple_query_string` syntax (QueryParserHelper / SimpleQueryParser):
 * `+` AND, `|` OR, `-` NOT, `"phrase"`, `prefix*`, `( )`, with the default
 * operator between bare terms. Like Elasticsearch, it never fails: what it
 * cannot read it treats as text.
 */
export function parseSimpleQueryString(
  input: string,
  defaultOperator: 'and' | 'or',
): TextQuery {
  const tokens = input.match(/"[^"]*"?|[()|+-]|[^\s()|+"-][^\s()|+"]*/g) ?? [];
  let i = 0;
  const parseExpr = (): TextQuery => {
    const orParts: TextQuery[] = [];
    let current: TextQuery[] = [];
    let explicitOp: 'and' | 'or' | undefined;
    while (i < tokens.length && tokens[i] !== ')') {
      const t = tokens[i++];
      if (t === '|') {
        explicitOp = 'or';
        orParts.push(group(current, 'and'));
        current = [];
        continue;
      }
      if (t === '+') {
        explicitOp = 'and';
        continue;
      }
      let negate = false;
      let tok = t;
      if (tok === '-') {
        negate = true;
        tok = tokens[i++] ?? '';
      }
      let node: TextQuery | undefined;
      if (tok === '(') {
        node = parseExpr();
        if (tokens[i] === ')') i++;
      } else if (tok.startsWith('"')) {
        const phrase = tokenize(tok.replace(/"/g, ''));
        node = phrase.length
          ? { op: 'clause', clause: { kind: 'phrase', tokens: phrase } }
          : undefined;
      } else {
        const clause = clauseFor(tok);
        node = clause ? { op: 'clause', clause } : undefined;
      }
      if (!node) continue;
      if (negate) node = { op: 'not', child: node };
      if (defaultOperator === 'or' && explicitOp !== 'and' && current.length) {
        orParts.push(group(current, 'and'));
        current = [];
      }
      current.push(node);
      explicitOp = undefined;
    }
    orParts.push(group(current, 'and'));
    return group(
      orParts.filter(p => p.op !== 'all'),
      'or',
    );
  };
  return parseExpr();
}

/** A `query_string` syntax error, worded as Lucene's classic query parser words it. */
export class QueryStringSyntaxError extends Error {
  constructor(
    readonly input: string,
    readonly column: number,
    readonly encountered: string,
  ) {
    super(
      `Cannot parse '${input}': Encountered "${encountered}" at line 1, column ${column}.`,
    );
  }
}

/**
 * A subset of `query_string` (Lucene's classic syntax): terms, `field:term`,
 * `"phrases"`, `prefix*`, `AND` / `OR` / `NOT` / `+` / `-`, parentheses.
 * Syntax errors are reported like Lucene's parser: what it met, and where.
 */
export function parseQueryString(
  input: string,
  defaultOperator: 'and' | 'or',
): TextQuery {
  const re = /\s*("(?:[^"\\]|\\.)*"?|\(|\)|[+-](?=\S)|[^\s()"]+)/y;
  const toks: Array<{ text: string; col: number }> = [];
  for (;;) {
    const start = re.lastIndex;
    const m = re.exec(input);
    if (!m) {
      if (input.slice(start).trim())
        throw new QueryStringSyntaxError(input, start + 1, input[start]);
      break;
    }
    toks.push({ text: m[1], col: m.index + m[0].length - m[1].length + 1 });
  }
  let i = 0;
  const eof = () => new QueryStringSyntaxError(input, input.length, '<EOF>');
  const primary = (): TextQuery => {
    const t = toks[i++];
    if (!t) throw eof();
    if (t.text === '(') {
      const inner = expr();
      const close = toks[i++];
      if (!close || close.text !== ')')
        throw close
          ? new QueryStringSyntaxError(input, close.col, close.text)
          : eof();
      return inner;
    }
    if (t.text === ')' || /^(AND|OR)$/.test(t.text))
      throw new QueryStringSyntaxError(input, t.col, t.text);
    if (t.text === 'NOT' || t.text === '-')
      return { op: 'not', child: primary() };
    if (t.text === '+') return primary();
    if (t.text.startsWith('"')) {
      if (t.text.length < 2 || !t.text.endsWith('"'))
        throw new QueryStringSyntaxError(input, t.col, '"');
      return {
        op: 'clause',
        clause: { kind: 'phrase', tokens: tokenize(t.text.slice(1, -1)) },
      };
    }
    const colon = t.text.indexOf(':');
    if (colon > 0) {
      const field = t.text.slice(0, colon);
      let value = t.text.slice(colon + 1);
      if (!value) {
        const next = toks[i++];
        if (!next) throw eof();
        if (next.text === '(' || next.text === ')')
          throw new QueryStringSyntaxError(input, next.col, next.text);
        value = next.text;
      }
      if (value.startsWith('"')) {
        return {
          op: 'clause',
          field,
          clause: { kind: 'phrase', tokens: tokenize(value.replace(/"/g, '')) },
        };
      }
      const clause = clauseFor(value);
      return clause ? { op: 'clause', field, clause } : { op: 'all' };
    }
    const clause = clauseFor(t.text);
    return clause ? { op: 'clause', clause } : { op: 'all' };
  };
  // A function declaration: primary() above recurses into it for parentheses.
  function expr(): TextQuery {
    const ors: TextQuery[] = [];
    let ands: TextQuery[] = [primary()];
    while (i < toks.length && toks[i].text !== ')') {
      const t = toks[i];
      if (t.text === 'OR') {
        i++;
        if (i >= toks.length) throw eof();
        ors.push(ands.length === 1 ? ands[0] : { op: 'and', children: ands });
        ands = [primary()];
      } else if (t.text === 'AND') {
        i++;
        if (i >= toks.length) throw eof();
        ands.push(primary());
      } else if (defaultOperator === 'or') {
        ors.push(ands.length === 1 ? ands[0] : { op: 'and', children: ands });
        ands = [primary()];
      } else {
        ands.push(primary());
      }
    }
    ors.push(ands.length === 1 ? ands[0] : { op: 'and', children: ands });
    return ors.length === 1 ? ors[0] : { op: 'or', children: ors };
  }
  if (toks.length === 0) return { op: 'all' };
  const result = expr();
  if (i < toks.length)
    throw new QueryStringSyntaxError(input, toks[i].col, toks[i].text);
  return result;
}
