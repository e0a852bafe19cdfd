/** Types for tools/globalize.mjs (plain JavaScript, run by build.mjs and imported by tests). */

/**
 * The body of a script that is one wrapped function called at once, at the top level, with
 * every name the wrapper declared prefixed; throws when the script is not of that shape or a
 * prefixed name already exists.
 */
export function globalize(code: string, prefix: string): string;
