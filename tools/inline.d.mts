/** Types for tools/inline.mjs (plain JavaScript, run by build.mjs and imported by tests). */

/**
 * The script with the safe calls of its expression-bodied top-level functions replaced by
 * their expression, the functions nothing refers to afterwards (`names`), and how many calls
 * were replaced (`sites`).
 */
export function inline(code: string): { code: string; names: string[]; sites: number };
