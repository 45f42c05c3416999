// A container's runtime spec from what the user asked (ContainerConfig) and
// the image's config, following image-spec's conversion.md and Docker's
// defaults where the user is silent. Pure but for reading the image's
// /etc/passwd and /etc/group, a seccomp profile the user named, and the host
// facts it is given: the engine resolves volumes and binds to host paths
// before, and writes the name files, makes the workdir and validates the
// result after (prepare.ts).

import { posix } from 'node:path';
import { defaultSpec } from '../../oci/default-spec.ts';
import type { ImageConfig } from '../../oci/image-spec.ts';
import type { LinuxResources, Mount, Spec, User } from '../../oci/spec.ts';
import { checkSysctls } from '../../oci/sysctl.ts';
import { ImageError } from '../../image/errors.ts';
import { resolveUser } from '../../image/user.ts';
import type { ContainerConfig } from '../config.ts';
import { InvalidArgumentError } from '../errors.ts';
import { initArgs, initMount } from '../init.ts';
import { asInvalid, invalid } from './check.ts';
import { devicesSpec } from './devices.ts';
import { etcMounts } from './etc-files.ts';
import type { HostFacts } from './host.ts';
import { resourcesSpec } from './resources.ts';
import { capabilitySet, confinement } from './security.ts';
import { rlimitsSpec } from './ulimits.ts';

export { DEFAULT_CAPABILITIES } from './security.ts';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every container's cgroup is /berth/<id> in each hierarchy, as Docker's /docker/<id>. */
export const CGROUP_PARENT = '/berth';

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export interface BuildInput {
  id: string;
  config: ContainerConfig;
  image: ImageConfig;
  /** The image's name and manifest digest, for annotations. */
  imageName: string;
  imageDigest: string;
  /** The container's root filesystem on the host (absolute). */
  rootfs: string;
  /** The container's directory on the host, holding its name files (etc-files.ts). */
  containerDir: string;
  /** Binds and volumes, their sources resolved to host paths, in the user's order. */
  mounts: Mount[];
  host: HostFacts;
  /** Told what is adjusted or ignored, as Docker warns. */
  warn?: (msg: string) => void;
}

export function mergeEnv(...lists: (string[] | undefined)[]): string[] {
  const m = new Map<string, string>();
  for (const l of lists) for (const kv of l ?? []) m.set(kv.split('=', 1)[0], kv);
  return [...m.values()];
}

/** The process arguments: Docker's Entrypoint/Cmd rules with overrides. */
export function processArgs(entry: string[] | null | undefined, cmd: string[] | null | undefined, opts: Pick<ContainerConfig, 'cmd' | 'entrypoint'>): string[] {
  const ep = opts.entrypoint ?? entry ?? [];
  const c = opts.cmd ?? (opts.entrypoint ? [] : cmd ?? []);
  return [...ep, ...c];
}

/** The container's hostname: the user's, the host's with --network host (Docker's), else the id's first 12. */
export function hostnameOf(input: Pick<BuildInput, 'id' | 'config' | 'host'>): string {
  return input.config.hostname ?? (input.config.network === 'host' ? input.host.hostname() : input.id.slice(0, 12));
}

function userOf(input: BuildInput, user: string | undefined): User {
  try {
    return resolveUser(input.rootfs, user, input.imageName);
  } catch (e) {
    if (e instanceof ImageError && e.code === 'EUSER') throw invalid('user', '--user', e.message);
    throw e;
  }
}

export function buildSpec(input: BuildInput): Spec {
  const { config: c, image, host } = input;
  const warn = input.warn ?? (() => {});
  const ic = image.config ?? {};
  const spec = defaultSpec();
  const proc = spec.process!;
  const hostname = hostnameOf(input);
  proc.terminal = c.tty ?? false;
  proc.args = processArgs(ic.Entrypoint, ic.Cmd, c);
  if (proc.args.length === 0) throw new InvalidArgumentError('command', `${input.imageName} has neither Entrypoint nor Cmd, and none was given`);
  if (c.init) proc.args = initArgs(proc.args);
  proc.env = mergeEnv([DEFAULT_PATH], proc.terminal ? ['TERM=xterm'] : [], ic.Env, [`HOSTNAME=${hostname}`], c.env);
  proc.cwd = posix.normalize(c.workdir ?? (ic.WorkingDir || '/'));
  if (!proc.cwd.startsWith('/')) throw invalid('workdir', '--workdir', `"${proc.cwd}" is not an absolute path`);
  proc.user = userOf(input, c.user ?? ic.User);
  const caps = capabilitySet(c, host);
  proc.capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  proc.rlimits = rlimitsSpec(c.ulimits ?? [], host);
  const conf = confinement(c, caps, host);
  proc.noNewPrivileges = conf.noNewPrivileges;
  if (conf.apparmorProfile) proc.apparmorProfile = conf.apparmorProfile;
  if (conf.selinuxLabel) proc.selinuxLabel = conf.selinuxLabel;
  spec.root = { path: input.rootfs, readonly: c.readOnly ?? false };
  spec.hostname = hostname;

  const linux = spec.linux!;
  if (c.network === 'host') linux.namespaces = linux.namespaces!.filter((n) => n.type !== 'network');
  linux.cgroupsPath = `${CGROUP_PARENT}/${input.id}`;
  if (conf.seccomp) linux.seccomp = conf.seccomp;
  const devices = devicesSpec(c.devices ?? [], c.privileged ?? false, host);
  if (devices.devices.length) linux.devices = devices.devices;
  const resources: LinuxResources = { devices: [...linux.resources!.devices!, ...devices.rules], ...resourcesSpec(c.resources ?? {}, host, warn) };
  linux.resources = resources;
  if (c.privileged) {
    linux.maskedPaths = [];
    linux.readonlyPaths = [];
  }
  if (c.sysctls && Object.keys(c.sysctls).length) {
    for (const [k, v] of Object.entries(c.sysctls)) if (typeof v !== 'string') throw invalid(`sysctls.${k}`, '--sysctl', 'the value must be a string');
    linux.sysctl = { ...c.sysctls };
    const namespaces = new Set(linux.namespaces!.map((n) => n.type));
    asInvalid('sysctls', '--sysctl', () => checkSysctls({ hostname: spec.hostname, linux: { sysctl: linux.sysctl } }, namespaces));
  }

  const userTargets = new Set(input.mounts.map((m) => posix.normalize(m.destination)));
  const shm = c.shmSize ?? DEFAULT_SHM_SIZE;
  if (!Number.isSafeInteger(shm) || shm <= 0) throw invalid('shmSize', '--shm-size', `${c.shmSize} is not a size in bytes above 0`);
  const defaults = spec.mounts!.filter((m) => !userTargets.has(m.destination)).map((m): Mount => {
    if (m.destination === '/dev/shm') return { ...m, options: [...m.options!.filter((o) => !o.startsWith('size=')), `size=${shm}`] };
    if (c.privileged && (m.destination === '/sys' || m.destination === '/sys/fs/cgroup')) return { ...m, options: m.options!.map((o) => (o === 'ro' ? 'rw' : o)) };
    return m;
  });
  spec.mounts = [...defaults, ...input.mounts, ...(c.init ? [initMount()] : []), ...etcMounts(input.containerDir, userTargets, c.readOnly ?? false)];

  // The image's labels and what image-spec's conversion.md carries over, then the user's.
  const annotations: Record<string, string> = { ...(ic.Labels ?? {}) };
  annotations['org.opencontainers.image.ref.name'] = input.imageName;
  annotations['org.opencontainers.image.manifest.digest'] = input.imageDigest;
  if (ic.StopSignal) annotations['org.opencontainers.image.stopSignal'] = ic.StopSignal;
  if (ic.ExposedPorts) annotations['org.opencontainers.image.exposedPorts'] = Object.keys(ic.ExposedPorts).join(',');
  if (image.author) annotations['org.opencontainers.image.author'] = image.author;
  if (image.created) annotations['org.opencontainers.image.created'] = image.created;
  spec.annotations = { ...annotations, ...(c.annotations ?? {}) };
  return spec;
}
