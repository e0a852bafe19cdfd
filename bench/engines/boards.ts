// subset: host-only
/**
 * THE list of board bundles that bench/board.ts measures and the engine tests
 * (test/firmware/espruino-engine.test.ts, test/firmware/kaluma-engine.test.ts) run on the real
 * interpreters, and the memory budgets they enforce. Add a board profile here (one line) and
 * both pick it up.
 *
 * - `BOARD_BUNDLES`: each bundle, the engine it is for, and the `build.mjs --only` name that
 *   builds it. Espruino bundles name the JsVar layout the functional test runs on.
 * - `BUDGETS`: issue 11's memory goals as rows (bundle, layout, limit, pings). The tests assert
 *   every row: JsVars used (`maxUsed`) or free (`minFree`) after boot and after `pings` pings
 *   on the layout, or JerryScript's peak heap while loading and booting (`maxPeak`, octets).
 *   The goals cannot hold for today's bundles, so no row is enabled yet; enable each with its
 *   profile bundle.
 */
import type { Layout } from './locate.js';

/** A bundle for Espruino. */
export interface EspruinoBundle {
  /** Name in reports (also the key of BUDGETS rows). */
  name: string;
  engine: 'espruino';
  /** Path relative to the repository root. */
  bundle: string;
  /** `node build.mjs --only=<build>` writes it. */
  build: string;
  /** The layout the functional test (ping, UDP, TCP, HTTP over a pty) runs on. */
  testLayout: Layout;
}

/** A bundle for Kaluma (JerryScript). */
export interface KalumaBundle {
  name: string;
  engine: 'jerry';
  bundle: string;
  build: string;
}

export type BoardBundle = EspruinoBundle | KalumaBundle;

/** Every board bundle to measure and test. */
export const BOARD_BUNDLES: BoardBundle[] = [
  { name: 'espruino-pico', engine: 'espruino', bundle: 'dist/espruino.js', build: 'pico', testLayout: 5100 },
  { name: 'espruino-puck', engine: 'espruino', bundle: 'dist/espruino-puck.js', build: 'puck', testLayout: 5100 },
  { name: 'kaluma', engine: 'jerry', bundle: 'dist/kaluma.js', build: 'kaluma' },
];

/** One memory budget (issue 11, "Goals"). */
export interface Budget {
  /** BOARD_BUNDLES name. */
  bundle: string;
  /** Espruino: the JsVar layout. */
  layout?: Layout;
  /** Espruino: most JsVars used after boot and after `pings` pings. */
  maxUsed?: number;
  /** Espruino: fewest JsVars free after boot and after `pings` pings. */
  minFree?: number;
  /** Espruino: pings before the second reading. */
  pings?: number;
  /** JerryScript (jerry-kaluma): most heap octets at the peak while loading and booting. */
  maxPeak?: number;
}

/**
 * The budgets the engine tests enforce. Issue 11's rows, to enable with the profile bundles:
 *   { bundle: 'espruino-pico', layout: 5100, maxUsed: 2500, pings: 1000 },
 *   { bundle: 'espruino-puck', layout: 2630, minFree: 800, pings: 1000 },
 *   { bundle: 'kaluma', maxPeak: 56 * 1024 },
 */
export const BUDGETS: Budget[] = [];
