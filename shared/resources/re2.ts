/**
 * RE2 semantics for the `pattern`s of CRD schemas, as kube-apiserver has them (Go's regexp is RE2):
 * matching in time linear in the input, so a hostile pattern such as `(a+)+$` can't stall a gateway,
 * and RE2's syntax (no lookaround, no backreferences; POSIX classes like `[[:alpha:]]`). Backed by
 * re2js (a pure-JS port of RE2; the native `re2` package needs Node ≥ 22 and a C++ build).
 */
import { RE2JS } from 're2js';

/** What ajv's `code.regExp` option takes: an engine compiling a pattern into something with test(). */
export interface RegExpEngine {
  (pattern: string, flags: string): { test(s: string): boolean };
  /** Used by ajv only for standalone code generation (not used here). */
  code: string;
}

/** Compile with RE2 (unanchored search, as JSON Schema's `pattern` is). Throws RE2's syntax error. */
export const re2Engine: RegExpEngine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.test(s) };
  },
  { code: 'require("re2js").RE2JS' },
);

/** Why RE2 refuses a pattern (Go's wording: `error parsing regexp: …`), or undefined when it compiles. */
export function re2SyntaxError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
