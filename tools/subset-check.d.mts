/** Types for tools/subset-check.mjs (plain JavaScript, run by Node and imported by tests and build.mjs). */

/** One place where board code leaves the Espruino language subset. */
export interface Violation {
  /** The file as it was passed to checkSubset. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
  /** Short rule id: label, global, missing-builtin, exponent, destructuring, default-parameter, rest-spread, computed-key, generator, async, enum, optional-chaining, node-builtin, private-field, tagged-template, use-before-declaration, var-before-declaration, buffer-identity. */
  rule: string;
  /** What is wrong and what to write instead. */
  text: string;
}

/** Check files against the board subset; returns the violations, sorted by file and position. */
export function checkSubset(files: string[]): Violation[];
/** Every board .ts file under root/src, root/hal and root/firmware, split into checked files and host-only opt-outs. */
export function boardFiles(root: string): { files: string[]; hostOnly: string[] };
/** True when the file's leading comments contain `// subset: host-only`. */
export function isHostOnly(text: string): boolean;
