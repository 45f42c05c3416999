// Flag parsing in the style of runc (urfave/cli over Go's flag package):
// --name value, --name=value, -name value, short aliases; parsing stops at
// the first positional argument or at "--".

import { UsageError } from '../oci/errors.ts';

export interface FlagSpec {
  name: string;
  alias?: string;
  type: 'bool' | 'string' | 'multi';
}

export type Flags = Record<string, string | boolean | string[] | undefined>;

/**
 * Docker's combined short flags: -it is -i -t, and -dp80:80 is -d -p 80:80
 * (the first flag that takes a value takes the rest). Undefined unless every
 * letter up to there is a defined one-letter flag.
 */
function splitShort(a: string, byName: Map<string, FlagSpec>): string[] | undefined {
  if (!/^-[^-=]{2,}$/.test(a)) return undefined;
  const out: string[] = [];
  for (let j = 1; j < a.length; j++) {
    const spec = byName.get(a[j]);
    if (!spec) return undefined;
    out.push(`-${a[j]}`);
    if (spec.type !== 'bool') {
      if (j + 1 < a.length) out.push(a.slice(j + 1));
      break;
    }
  }
  return out;
}

export function parseArgs(input: readonly string[], specs: readonly FlagSpec[]): { flags: Flags; args: string[] } {
  let argv = input;
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.alias) byName.set(s.alias, s);
  }
  const flags: Flags = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) {
      const split = splitShort(a, byName);
      if (!split) throw new UsageError(`flag provided but not defined: -${name}`);
      argv = [...argv.slice(0, i), ...split, ...argv.slice(i + 1)];
      i--;
      continue;
    }
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.type === 'bool') {
      flags[spec.name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[++i];
    }
    if (spec.type === 'multi') flags[spec.name] = [...((flags[spec.name] as string[]) ?? []), value];
    else flags[spec.name] = value;
  }
  return { flags, args: argv.slice(i) };
}

export function intFlag(flags: Flags, name: string, fallback = 0): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: invalid number "${v}"`);
  return n;
}

export function oneId(args: string[], command: string): string {
  if (args.length < 1) throw new UsageError(`"${command}" requires a container id`);
  return args[0];
}
