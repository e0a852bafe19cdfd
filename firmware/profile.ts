/**
 * The profile a firmware bundle is built for: its name and its stack configuration, already
 * resolved. build.mjs replaces this module in each board bundle with the values of
 * firmware/profiles.mjs (resolved at build time, so the bundle carries neither the settings
 * table nor its validation); as it stands here it is the host's view: every feature, the
 * demo app's configuration.
 */
import { resolveConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { DEFAULT_CONFIG } from './app.js';

/** The profile's name (firmware/profiles.mjs), 'host' outside a board bundle. */
export const PROFILE = 'host';

/** The stack configuration, resolved. */
export const CONFIG: Config = resolveConfig(DEFAULT_CONFIG);
