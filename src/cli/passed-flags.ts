import type { Command } from 'commander';
import type { PassedFlags } from '../core/hint-flags.js';

/**
 * The flags given on the command line (not defaults, not the environment), by long name, with
 * their values: what hints are checked against (core/hint-flags.ts). `-y` counts as `--yes`.
 */
export function passedFlags(command: Command): PassedFlags {
  const flags = new Map<string, string | true>();
  for (let c: Command | null = command; c !== null; c = c.parent) {
    for (const option of c.options) {
      if (option.long === undefined || option.negate) continue;
      const key = option.attributeName();
      if (c.getOptionValueSource(key) !== 'cli') continue;
      const value: unknown = c.getOptionValue(key);
      flags.set(option.long, typeof value === 'string' ? value : Array.isArray(value) ? String(value[value.length - 1] ?? '') : typeof value === 'number' ? String(value) : true);
    }
  }
  return flags;
}
