// A container's runtime spec from what the user asked (ContainerConfig) and
// the image's config, following image-spec's conversion.md and Docker's
// defaults where the user is silent. Pure but for reading the image's
// /etc/passwd and /etc/group: the engine resolves volumes and binds to host
// paths before, and writes and validates the result after.

import { defaultSpec } from '../../oci/default-spec.ts';
import type { ImageConfig } from '../../oci/image-spec.ts';
import type { Mount, Spec } from '../../oci/spec.ts';
import { resolveUser } from '../../image/user.ts';
import type { ContainerConfig } from '../config.ts';
import { InvalidArgumentError } from '../errors.ts';
import { defaultSeccompProfile } from '../seccomp/default-profile.ts';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's default capabilities. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export interface BuildInput {
  id: string;
  config: ContainerConfig;
  image: ImageConfig;
  /** The image's name and manifest digest, for annotations. */
  imageName: string;
  imageDigest: string;
  /** The container's root filesystem on the host (absolute). */
  rootfs: string;
  /** Binds and volumes, their sources resolved to host paths, in the user's order. */
  mounts: Mount[];
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

export function buildSpec(input: BuildInput): Spec {
  const { config: c, image } = input;
  const ic = image.config ?? {};
  const spec = defaultSpec();
  const proc = spec.process!;
  proc.terminal = c.tty ?? false;
  proc.args = processArgs(ic.Entrypoint, ic.Cmd, c);
  if (proc.args.length === 0) throw new InvalidArgumentError('command', `${input.imageName} has neither Entrypoint nor Cmd, and none was given`);
  proc.env = mergeEnv([DEFAULT_PATH], proc.terminal ? ['TERM=xterm'] : [], ic.Env, [`HOSTNAME=${hostnameOf(input)}`], c.env);
  proc.cwd = c.workdir ?? (ic.WorkingDir || '/');
  proc.user = resolveUser(input.rootfs, c.user ?? ic.User, input.imageName);
  const caps = [...DEFAULT_CAPABILITIES];
  proc.capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  proc.rlimits = [];
  spec.root = { path: input.rootfs, readonly: c.readOnly ?? false };
  spec.hostname = hostnameOf(input);
  const linux = spec.linux!;
  if (c.network === 'host') linux.namespaces = linux.namespaces!.filter((n) => n.type !== 'network');
  linux.seccomp = defaultSeccompProfile({ capabilities: caps });
  spec.mounts = [...spec.mounts!, ...input.mounts];
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

function hostnameOf(input: BuildInput): string {
  return input.config.hostname ?? input.id.slice(0, 12);
}
