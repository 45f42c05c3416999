// linux.netDevices: each host interface moved into the container's network
// namespace under its new name, with its permanent global addresses and up
// (runtime-spec 1.2, as runc). iproute2's `ip` does the netlink, always with
// an argv of names validation checked (oci/net-devices.ts), never a shell.
// The runtime never moves an interface back: the namespace's end decides.

import { existsSync } from 'node:fs';
import { ConfigError } from '../oci/errors.ts';
import type { NetDevice } from '../oci/spec.ts';

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];
const NSENTER = ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter'];

function tool(candidates: string[], pkg: string, field: string): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new ConfigError(field, `needs ${candidates[0]} (Debian's ${pkg} package)`);
  return found;
}

interface IpAddr {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  /** Set by ip when the address lacks IFA_F_PERMANENT. */
  dynamic?: boolean;
}

interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  addr_info?: IpAddr[];
}

class Ip {
  private readonly field: string;
  private readonly ip: string;
  private readonly nsenter: string;
  constructor(field: string) {
    this.field = field;
    this.ip = tool(IP, 'iproute2', field);
    this.nsenter = tool(NSENTER, 'util-linux', field);
  }

  /** Runs ip with args, in the network namespace of netnsPid when given; its error names the field. */
  run(args: string[], netnsPid?: number): string {
    const [cmd, argv] = netnsPid === undefined ? [this.ip, args] : [this.nsenter, [`--net=/proc/${netnsPid}/ns/net`, '--', this.ip, ...args]];
    // node:child_process on use: loading it costs every CLI process a few ms, and few containers move devices.
    const r = process.getBuiltinModule('node:child_process').spawnSync(cmd, argv, { encoding: 'utf8', env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new ConfigError(this.field, `ip ${args.join(' ')}: ${(r.stderr || r.error?.message || `status ${r.status}`).trim()}`);
    return r.stdout;
  }

  links(args: string[], netnsPid?: number): IpLink[] {
    return JSON.parse(this.run(['-j', ...args], netnsPid)) as IpLink[];
  }
}

/** Whether the host (the runtime's network namespace) has the interface. */
export function hostHasInterface(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Moves each device into the network namespace of pid (the container's init). */
export function moveNetDevices(pid: number, devices: Record<string, NetDevice>): void {
  for (const [host, dev] of Object.entries(devices)) moveOne(pid, host, dev.name || host);
}

function moveOne(pid: number, host: string, target: string): void {
  const field = `linux.netDevices.${host}`;
  const ip = new Ip(field);
  // The kernel moves the interface under its host name first and renames it after: a name
  // taken inside would fail the rename with the interface already gone from the host.
  if (!target.includes('%') && ip.links(['link', 'show'], pid).some((l) => l.ifname === target))
    throw new ConfigError(target === host ? field : `${field}.name`, `the container has a network interface "${target}" already`);
  const [link] = ip.links(['addr', 'show', 'dev', host]);
  const addrs = (link.addr_info ?? []).filter((a) => a.scope === 'global' && !a.dynamic && (a.family === 'inet' || a.family === 'inet6'));
  // One request (RTM_NEWLINK with the namespace and the name); the kernel takes the interface
  // down as it leaves. A refusal leaves it on the host as it was.
  ip.run(['link', 'set', 'dev', host, 'netns', String(pid), 'name', target]);
  // The kernel completes a "%d" template; the interface keeps its index in a new namespace.
  const name = target.includes('%') ? ip.links(['link', 'show'], pid).find((l) => l.ifindex === link.ifindex)?.ifname : target;
  if (!name) throw new ConfigError(field, `moved, but not found in the container as "${target}"`);
  // Addresses do not survive the move: the permanent global ones are added back (runtime-spec, RFC 3549).
  for (const a of addrs) ip.run(['addr', 'add', `${a.local}/${a.prefixlen}`, 'dev', name], pid);
  ip.run(['link', 'set', 'dev', name, 'up'], pid);
}
