/** Types for firmware/profiles.mjs (plain JavaScript, read by build.mjs and by the engine tests). */

/** The compile-time switches of src/features.ts, as a profile sets them. */
export interface ProfileFeatures {
  SACK: boolean;
  SYN_COOKIES: boolean;
  KEEPALIVE: boolean;
  TRACE: boolean;
  OOO: boolean;
  CC_EXTRAS: boolean;
  NETSTAT: boolean;
}

/** One board profile. */
export interface Profile {
  engine: 'espruino' | 'jerry';
  /** Entry point, from the repository root. */
  entry: string;
  /** Bundle file name under dist/. */
  out: string;
  /** esbuild and terser target: es2015 (Espruino) or es2019 (Kaluma). */
  target: string;
  features: ProfileFeatures;
  /** Settings for src/config.ts, resolved at build time. */
  config: Record<string, unknown>;
  /** The build fails above these. */
  budget: { bundle: number };
}

/** Every board profile by name (pico, puck, wifi, wifi-net, kaluma, kaluma-net). */
export const PROFILES: Record<string, Profile>;
