// The local driver's options, as Docker's: type, device and o name a
// filesystem that is mounted on the volume's _data while a container uses
// it (type=tmpfs device=tmpfs o=size=10m; type=none o=bind device=/path;
// type=ext4 device=/dev/sdb1). Checked once, when the volume is made; o is
// split as mount(8) splits it: the words mount(2) takes as flags, the rest
// passed to the filesystem as its data.

import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { InvalidArgumentError } from '../errors.ts';

export const MS = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, SYNCHRONOUS: 0x10, REMOUNT: 0x20, DIRSYNC: 0x80, NOATIME: 0x400,
  NODIRATIME: 0x800, BIND: 0x1000, REC: 0x4000, UNBINDABLE: 0x20000, PRIVATE: 0x40000, SLAVE: 0x80000, SHARED: 0x100000,
  RELATIME: 0x200000, STRICTATIME: 0x1000000,
} as const;

/** Word -> [clear instead of set, flag]. */
const FLAGS: Record<string, [boolean, number]> = {
  defaults: [false, 0], ro: [false, MS.RDONLY], rw: [true, MS.RDONLY], suid: [true, MS.NOSUID], nosuid: [false, MS.NOSUID],
  dev: [true, MS.NODEV], nodev: [false, MS.NODEV], exec: [true, MS.NOEXEC], noexec: [false, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS], async: [true, MS.SYNCHRONOUS], dirsync: [false, MS.DIRSYNC],
  atime: [true, MS.NOATIME], noatime: [false, MS.NOATIME], diratime: [true, MS.NODIRATIME], nodiratime: [false, MS.NODIRATIME],
  bind: [false, MS.BIND], rbind: [false, MS.BIND | MS.REC], relatime: [false, MS.RELATIME], norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME], nostrictatime: [true, MS.STRICTATIME],
};

const PROPAGATION: Record<string, number> = {
  unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC, private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC, slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
};

const KEYS = ['type', 'device', 'o'];
/** Docker's: each option needs the others listed. */
const REQUIRES: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

export interface MountPlan {
  source: string;
  fstype: string;
  flags: number;
  /** Propagation, applied by a second mount(2) as the kernel wants it. */
  propagation: number;
  data: string;
  /** A read-only bind takes a remount: the first mount(2) ignores MS_RDONLY with MS_BIND. */
  remountReadOnly: boolean;
}

function clean(field: string, v: string): string {
  if (typeof v !== 'string' || /[\0\n]/.test(v)) throw new InvalidArgumentError(field, 'holds a NUL or a newline');
  return v;
}

/** The options as the driver keeps them, or an error naming the option. */
export function checkOptions(driver: string, options: Record<string, string>): Record<string, string> {
  if (driver !== 'local') throw new InvalidArgumentError('driver', `"${driver}": only the local driver is built in`);
  for (const k of Object.keys(options)) {
    if (k === 'size') throw new InvalidArgumentError('options.size', 'quotas need an xfs store with project quotas, which berth does not set up');
    if (!KEYS.includes(k)) throw new InvalidArgumentError(`options.${k}`, `invalid option "${k}" (the local driver takes type, device and o)`);
    clean(`options.${k}`, options[k]);
  }
  for (const [k, needs] of Object.entries(REQUIRES)) {
    if (!(k in options)) continue;
    for (const n of needs) if (!(n in options)) throw new InvalidArgumentError(`options.${n}`, `missing required option "${n}" (given ${k})`);
  }
  if (Object.keys(options).length) planMount(options);
  return options;
}

/** How to mount a volume's options; checked again, so a row edited by hand cannot mount what create refused. */
export function planMount(options: Record<string, string>): MountPlan {
  const type = options.type ?? '';
  if (!/^[a-zA-Z0-9_.-]+$/.test(type)) throw new InvalidArgumentError('options.type', `"${type}" is not a filesystem type`);
  const device = clean('options.device', options.device ?? '');
  if (!device) throw new InvalidArgumentError('options.device', 'is empty');
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const w of clean('options.o', options.o ?? '').split(',')) {
    if (!w) continue;
    if (w in FLAGS) {
      const [clear, f] = FLAGS[w];
      flags = clear ? flags & ~f : flags | f;
    } else if (w in PROPAGATION) propagation = PROPAGATION[w];
    else if (w === 'remount' || w === 'move') throw new InvalidArgumentError('options.o', `"${w}" makes no sense for a volume`);
    else data.push(w);
  }
  const bind = (flags & MS.BIND) !== 0;
  if (bind) {
    if (!isAbsolute(device)) throw new InvalidArgumentError('options.device', `a bind needs an absolute host path, got "${device}"`);
    try {
      if (!statSync(device).isDirectory()) throw new InvalidArgumentError('options.device', `${device} is not a directory`);
    } catch (e) {
      if (e instanceof InvalidArgumentError) throw e;
      throw new InvalidArgumentError('options.device', `bind source path does not exist: ${device}`);
    }
  }
  return { source: device, fstype: type, flags, propagation, data: data.join(','), remountReadOnly: bind && (flags & MS.RDONLY) !== 0 };
}
