/** Types for tools/release.mjs (plain JavaScript, run by build.mjs and imported by tests). */

/**
 * The script with a `delete NAME;` appended for every top-level function that only its
 * top-level code (directly or through other such functions) calls, and those names (`names`);
 * likewise for the top-level variables only that code uses (`vars`).
 */
export function release(code: string): { code: string; names: string[]; vars: string[] };
