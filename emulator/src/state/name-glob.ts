/**
 * Shell-style name globs (`*.csv`, `data-??.txt`, `[ab]*`), as Transfer's `ls` filter
 * (`name:~*.txt`), transfer `filter_rules` and delete `interpret_globs` use them. Patterns
 * come from requests, so they are compiled to an anchored RegExp with every other
 * character escaped (no user-controlled regular expressions).
 */

/**
 * Compiles a glob to a RegExp matching a whole file name.
 * @param pattern - `*` any run, `?` one character, `[...]` a set (`[!...]` negated)
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end);
      const negate = set.startsWith('!') || set.startsWith('^');
      if (negate) set = set.slice(1);
      out += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** True when the name contains glob syntax. */
export function hasGlob(name: string): boolean {
  return /[*?[]/.test(name);
}
