const cache = new Map<string, RegExp | null>();

/**
 * Glob matching as Argo CD does it: github.com/gobwas/glob, through
 * util/glob.Match (pkg/apis/application/v1alpha1/app_project_types.go
 * globMatch). Its syntax differs from the path globs npm packages implement
 * (picomatch, minimatch): `*` stops only at the separators the caller names
 * (none for destinations, so there `*` also crosses `/`), `**` crosses them
 * anywhere in a pattern, and dotfiles are not special. So it is translated
 * here, following gobwas/glob's grammar:
 *
 *   `*` any run of non-separator characters, `**` any run of characters,
 *   `?` one non-separator character, `[abc]` `[a-z]` `[!abc]` a class,
 *   `{a,b}` alternatives (patterns themselves), `\c` a literal c.
 *
 * A pattern that does not compile matches nothing (util/glob.Match logs and
 * returns false).
 */
export function globMatch(
  pattern: string,
  value: string,
  separators: string[] = [],
): boolean {
  const key = `${separators.join('')}\u0000${pattern}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(`^${translate(pattern, separators)}$`, 'u');
    } catch {
      compiled = null;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, compiled);
  }
  return compiled ? compiled.test(value) : false;
}

const escapeRegExp = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
/** Inside a character class `-` is special too. */
const escapeClassChar = (c: string) => c.replace(/[\\^\]\[-]/g, '\\$&');

class GlobSyntaxError extends Error {}

function translate(pattern: string, separators: string[]): string {
  const notSeparator = separators.length
    ? `[^${separators.map(escapeClassChar).join('')}]`
    : '[\\s\\S]';
  const chars = [...pattern];
  let i = 0;

  // gobwas/glob's lexer (syntax/lexer fetchRange): a class is one range
  // `[lo-hi]` or a list of characters `[abc]`, either negated with `!`; a
  // class never cares about separators.
  const parseClass = (): string => {
    let negated = false;
    if (chars[i] === '!') {
      negated = true;
      i++;
    }
    let body: string;
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      const [lo, hi] = [chars[i], chars[i + 2]];
      i += 3;
      if (hi < lo) throw new GlobSyntaxError('bad range');
      body = `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
    } else {
      body = '';
      while (i < chars.length && chars[i] !== ']') {
        if (chars[i] === '\\') i++;
        if (i < chars.length) body += escapeClassChar(chars[i++]);
      }
      if (!body) throw new GlobSyntaxError('empty class');
    }
    if (chars[i] !== ']') throw new GlobSyntaxError('unclosed [');
    i++;
    return negated ? `[^${body}]` : `[${body}]`;
  };

  const parse = (inBraces: boolean): string => {
    let out = '';
    while (i < chars.length) {
      const c = chars[i];
      if (inBraces && (c === ',' || c === '}')) return out;
      i++;
      if (c === '\\') {
        if (i >= chars.length) throw new GlobSyntaxError('dangling escape');
        out += escapeRegExp(chars[i++]);
      } else if (c === '*') {
        if (chars[i] === '*') {
          while (chars[i] === '*') i++;
          out += '[\\s\\S]*';
        } else {
          out += `${notSeparator}*`;
        }
      } else if (c === '?') {
        out += notSeparator;
      } else if (c === '[') {
        out += parseClass();
      } else if (c === '{') {
        const alternatives = [parse(true)];
        while (chars[i] === ',') {
          i++;
          alternatives.push(parse(true));
        }
        if (chars[i] !== '}') throw new GlobSyntaxError('unclosed {');
        i++;
        out += `(?:${alternatives.join('|')})`;
      } else {
        out += escapeRegExp(c);
      }
    }
    if (inBraces) throw new GlobSyntaxError('unclosed {');
    return out;
  };

  return parse(false);
}
