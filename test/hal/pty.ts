// subset: host-only
/**
 * Test helper: the socat pseudo-terminal pair now lives in bench/engines/pty.ts, where the
 * board bench (bench/board.ts) can use it too; this module keeps the tests' import path.
 */
export { ptyPair, hasSocat } from '../../bench/engines/pty.js';
export type { PtyPair } from '../../bench/engines/pty.js';
