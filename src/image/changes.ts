// Dockerfile instructions applied to an image's run config, as docker import
// and commit take them (--change): CMD, ENTRYPOINT, ENV, WORKDIR, USER,
// EXPOSE, VOLUME, LABEL, STOPSIGNAL, in JSON (exec) or shell form. Others
// (RUN, COPY, FROM...) would need a build; they are refused by name. No
// $VARIABLE is expanded: the value is taken as written.

import { constants } from 'node:os';
import { posix } from 'node:path';
import type { ImageRunConfig } from '../oci/image-spec.ts';
import { InvalidChangeError } from './errors.ts';

export const CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'WORKDIR', 'USER', 'EXPOSE', 'VOLUME', 'LABEL', 'STOPSIGNAL'] as const;

/** The exec form's JSON array of strings, or undefined for the shell form (Docker's rule: what does not parse as one is shell form). */
function execForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Shell-like words: whitespace separates, quotes group ('...' literally, "..." with \ escapes), \ escapes outside quotes. */
export function shellWords(s: string, fail: (why: string) => never): string[] {
  const out: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) fail('unterminated single quote');
      word = (word ?? '') + s.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; ; i++) {
        if (i >= s.length) fail('unterminated double quote');
        if (s[i] === '"') break;
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) i++;
        word += s[i];
      }
    } else if (c === '\\' && i + 1 < s.length) {
      word = (word ?? '') + s[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** ENV and LABEL: "k=v k2=v2" (quotes as in a shell), or the legacy "k value with spaces". */
function pairs(rest: string, fail: (why: string) => never): [string, string][] {
  const words = shellWords(rest, fail);
  if (!words[0]?.includes('=')) {
    const m = /^(\S+)\s+(.*)$/s.exec(rest);
    if (!m) fail('expected KEY=VALUE or KEY VALUE');
    return [[m[1], m[2].trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) fail(`"${w}" is not KEY=VALUE`);
    if (eq === 0) fail('a name can not be blank');
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** EXPOSE's "80", "80/tcp", "53/udp", "8000-8010/tcp" as the port keys they stand for. */
function ports(rest: string, fail: (why: string) => never): string[] {
  const out: string[] = [];
  for (const w of rest.split(/\s+/)) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) fail(`"${w}" is not PORT[-PORT][/tcp|udp|sctp]`);
    const [lo, hi] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (lo < 1 || hi > 65535 || hi < lo) fail(`"${w}": ports run from 1 to 65535, low to high`);
    for (let p = lo; p <= hi; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}

function checkSignal(s: string, fail: (why: string) => never): void {
  if (/^\d+$/.test(s) ? Number(s) >= 1 && Number(s) <= 64 : /^(SIG)?RTM(IN|AX)([+-]\d+)?$/i.test(s) || `SIG${s.toUpperCase().replace(/^SIG/, '')}` in constants.signals) return;
  fail(`"${s}" is not a signal name or number`);
}

/**
 * The run config after the changes, in order (the input is not modified).
 * An ENTRYPOINT without a CMD among the changes clears the image's Cmd, as a
 * Dockerfile's does.
 */
export function applyChanges(config: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const out: ImageRunConfig = structuredClone(config);
  let cmdSet = false;
  for (const change of changes) {
    const fail = (why: string): never => {
      throw new InvalidChangeError(change, why);
    };
    const m = /^\s*(\S+)(?:\s+(.*?))?\s*$/s.exec(change);
    if (!m) fail(`expected one of ${CHANGE_INSTRUCTIONS.join(', ')} and its arguments`);
    const keyword = m![1].toUpperCase();
    const rest = m![2] ?? '';
    if (!(CHANGE_INSTRUCTIONS as readonly string[]).includes(keyword)) fail(`${keyword} is not supported here (only ${CHANGE_INSTRUCTIONS.join(', ')})`);
    if (!rest) fail(`${keyword} needs an argument`);
    const command = (): string[] => execForm(rest) ?? ['/bin/sh', '-c', rest];
    switch (keyword) {
      case 'CMD':
        out.Cmd = command();
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = command();
        if (!cmdSet) out.Cmd = null;
        break;
      case 'ENV':
        for (const [k, v] of pairs(rest, fail)) out.Env = [...(out.Env ?? []).filter((e) => e.split('=')[0] !== k), `${k}=${v}`];
        break;
      case 'LABEL':
        for (const [k, v] of pairs(rest, fail)) out.Labels = { ...out.Labels, [k]: v };
        break;
      case 'WORKDIR':
        out.WorkingDir = rest.startsWith('/') ? posix.normalize(rest) : posix.join('/', out.WorkingDir ?? '', rest);
        break;
      case 'USER':
        if (/\s/.test(rest)) fail('USER takes one name or ID (user[:group])');
        out.User = rest;
        break;
      case 'EXPOSE':
        for (const p of ports(rest, fail)) out.ExposedPorts = { ...out.ExposedPorts, [p]: {} };
        break;
      case 'VOLUME': {
        const vols = execForm(rest) ?? rest.split(/\s+/);
        for (const v of vols) {
          if (!v) fail('a volume path can not be blank');
          out.Volumes = { ...out.Volumes, [v]: {} };
        }
        break;
      }
      case 'STOPSIGNAL':
        checkSignal(rest, fail);
        out.StopSignal = rest;
        break;
    }
  }
  return out;
}
