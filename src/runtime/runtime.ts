// The OCI runtime as a library: create, start, run, kill, delete, state,
// list, exec. The runts CLI is a thin layer over this; the engine and CRI
// call it in-process.

import { closeSync, constants, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, NotFoundError, OptionError, RuntimeError, StateError, StepError } from '../oci/errors.ts';
import { NS_PROC_NAMES, parseSignal } from '../oci/linux.ts';
import { type IntelRdt, type LinuxResources, type NamespaceType, OCI_VERSION, type Process, type Spec, type State, type Status } from '../oci/spec.ts';
import { parseSpec, validateProcess, validateResources } from '../oci/validate.ts';
import {
  applyResources,
  cgroupMountSources,
  type CgroupPlacement,
  cgroupPids,
  controlDevices,
  createCgroups,
  execProcsFiles,
  missingDirs,
  noPlacement,
  permissionRefused,
  planPlacement,
  procsFiles,
  removeCgroups,
  removeShared,
} from './cgroups/manager.ts';
import { type ExecutorResult, runExecutor, runtimeFd, type Stdio } from './executor.ts';
import { runHooks, runHooksWarn } from './hooks.ts';
import type { CreateHostFacts } from './plan/create.ts';
import { hostHasInterface, moveNetDevices } from './net-devices.ts';
import { type DeviceRules, deviceRules } from './cgroups/devices.ts';
import { SpareKeeper } from './spare.ts';
import { updateResources } from './cgroups/update.ts';
import { withFileLock } from './file-lock.ts';
import { applyRdt, planRdt, removeRdt, resctrlRoot } from './cgroups/intelrdt.ts';
import { hostFacts } from './cgroups/apply.ts';
import { isFrozen, setFrozen, thawSoon } from './cgroups/freezer.ts';
import { killCgroups } from './cgroups/kill.ts';
import { writeAtomic } from './atomic.ts';
import { openInitProc, signalInit } from './init-handle.ts';
import { LineChannel } from './channel.ts';
import { containerProcesses } from './proctree.ts';
import { inUserNamespace, ownGidMap, setgroupsDenied } from './rootless.ts';
import { hostLsm } from './lsm.ts';
import { mapTools } from './subids.ts';
import { hostCalls } from './native.ts';
import { kernelLastCap, refuseRealtimeWithoutRuntime, warnUnavailableCapabilities } from './process-checks.ts';
import { containerEvents, containerStats, type EventsOptions } from './stats/events.ts';
import type { ContainerEvent, Stats } from './stats/types.ts';
import { checkMonitorOptions, CONSOLE_SOCKET, MonitorLauncher, type MonitorOptions, type MonitorRecord, removeMonitor, waitExitRecord } from './monitor.ts';
import { type ContainerRecord, processAlive, procStartTime, readRecord, removeDir, START_SOCKET, StateStore, statusOf, thisProcess } from './state-store.ts';

export type { Stdio };

export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /** fds 0..2 and any preserved fds after them; defaults to inheriting 0..2. */
  stdio?: Stdio;
  /** Keep the executor as the container's parent, so `exit` reports its status. */
  wait?: boolean;
  /** Relay the runtime's own stdio to the container's terminal (foreground run -t). */
  terminalRelay?: boolean;
  /** Start the executor through a container monitor (monitor.ts), which holds
   * the container's stdio, logs it, serves attach and records its exit. */
  monitor?: MonitorOptions;
  /** The bundle's config.json as parsed and validated by the caller that wrote it (an
   * engine, in the same process): not read and validated again. */
  spec?: Spec;
}

export interface Created {
  id: string;
  pid: number;
  /** The container's exit status; only with wait. */
  exit?: Promise<number>;
  /** The container's monitor, when create was given one. */
  monitor?: MonitorRecord;
}

export interface ExecOptions {
  process: Process;
  detach?: boolean;
  pidFile?: string;
  consoleSocket?: string;
  stdio?: Stdio;
  terminalRelay?: boolean;
}

export interface RuntimeOptions {
  root?: string;
  warn?: (msg: string) => void;
  /**
   * Keep shared cgroup parents (the default /runts, parents a cgroupsPath
   * needed) when their last container goes, until close(). An engine that runs
   * container after container saves a mkdir and an rmdir per hierarchy each.
   */
  keepCgroupParents?: boolean;
  /** The cgroup under which containers without a cgroupsPath go (default /runts). */
  cgroupParent?: string;
  /**
   * Keep an executor started ahead of the next container (spare.ts), from the
   * first container until close(): an engine's containers then skip the spawn
   * and start of a process.
   */
  spareExecutor?: boolean;
  /**
   * Running without root's power over the host (runc's --rootless): cgroups
   * that cannot be made for lack of permission are done without. Default:
   * when not uid 0, or uid 0 of a user namespace.
   */
  rootless?: boolean;
}

/** The file in a container's state directory that update holds locked. */
const UPDATE_LOCK = 'update.lock';

// Plans (and the seccomp compiler and tables under them) are loaded by the
// calls that build one: a CLI call for state, kill, events or delete starts
// without them (~8 ms of module set-up in Bun's compiled runts).
const planning = {
  create: () => import('./plan/create.ts'),
  exec: () => import('./plan/exec.ts'),
  notify: () => import('./seccomp/notify.ts'),
};

const HOST_FACTS: CreateHostFacts = {
  isDirectory(path: string): boolean {
    try {
      return statSync(path).isDirectory();
    } catch {
      return true;
    }
  },
  get lsm() {
    return hostLsm();
  },
  isRuntimeNamespace(type: NamespaceType, path: string): boolean {
    try {
      const [ns, own] = [statSync(path), statSync(`/proc/self/ns/${NS_PROC_NAMES[type]}`)];
      return ns.dev === own.dev && ns.ino === own.ino;
    } catch {
      // Not a namespace we can see: the join itself will fail, naming it.
      return false;
    }
  },
};

export class Runtime {
  readonly store: StateStore;
  private readonly warn: (msg: string) => void;
  private readonly keptParents?: Set<string>;
  private readonly cgroupParent?: string;
  private readonly spares?: SpareKeeper;
  readonly rootless: boolean;
  private readonly inUserNs: boolean;

  constructor(opts: RuntimeOptions = {}) {
    this.store = new StateStore(opts.root);
    this.warn = opts.warn ?? ((msg) => process.emitWarning(msg));
    if (opts.keepCgroupParents) this.keptParents = new Set();
    if (opts.spareExecutor) this.spares = new SpareKeeper(this.warn);
    this.inUserNs = inUserNamespace();
    this.rootless = opts.rootless ?? (process.geteuid?.() !== 0 || this.inUserNs);
    if (opts.cgroupParent !== undefined) {
      if (!opts.cgroupParent.startsWith('/')) throw new ConfigError('cgroupParent', `"${opts.cgroupParent}" is not an absolute cgroup path`);
      this.cgroupParent = opts.cgroupParent;
    }
  }

  /** Ends the spare executor, and removes the cgroup parents kept for reuse that no container uses any more. */
  async close(): Promise<void> {
    await this.spares?.close();
    if (this.keptParents) {
      removeShared(this.keptParents);
      this.keptParents.clear();
    }
  }

  /** Loads and validates a bundle's config.json (unless given it, validated) and checks its rootfs. */
  loadBundle(bundle: string, validated?: Spec): { spec: Spec; rootfs: string } {
    const dir = resolve(bundle);
    let spec = validated;
    if (!spec) {
      let text: string;
      try {
        text = readFileSync(join(dir, 'config.json'), 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new NotFoundError(`bundle ${dir}: cannot read config.json${code ? ` (${code})` : ''}`);
      }
      spec = parseSpec(text);
    }
    if (!spec.root) throw new ConfigError('root', 'is required on Linux');
    const rootfs = resolve(dir, spec.root.path);
    let isDir = false;
    try {
      isDir = statSync(rootfs).isDirectory();
    } catch {
      throw new ConfigError('root.path', `${rootfs} does not exist`);
    }
    if (!isDir) throw new ConfigError('root.path', `${rootfs} is not a directory`);
    return { spec, rootfs };
  }

  async create(id: string, opts: CreateOptions): Promise<Created> {
    return this.createContainer(id, opts, true);
  }

  /** create and start as one operation: no start socket, no second process. */
  async run(id: string, opts: CreateOptions): Promise<Created> {
    return this.createContainer(id, opts, false);
  }

  private async createContainer(id: string, opts: CreateOptions, split: boolean): Promise<Created> {
    const bundle = resolve(opts.bundle);
    const { spec, rootfs } = this.loadBundle(bundle, opts.spec);
    // Before the claim: a refused cgroupsPath or device rule must leave no state directory.
    let cgroups = planPlacement(spec.linux?.cgroupsPath, id, undefined, this.cgroupParent);
    const devices = deviceRules(spec.linux?.resources?.devices);
    const rdt = spec.linux?.intelRdt ? planRdt(spec.linux.intelRdt, id, resctrlRoot(), hostFacts) : undefined;
    const tools = this.mapTools(spec);
    const monitor = opts.monitor && checkMonitorOptions(opts.monitor);
    if (monitor && (opts.stdio || opts.consoleSocket || opts.terminalRelay))
      throw new OptionError('monitor', 'holds the container\'s stdio: it does not go with stdio, consoleSocket or terminalRelay');
    const rec: ContainerRecord = {
      id,
      bundle,
      rootfs,
      pid: 0,
      pidStartTime: '',
      created: new Date().toISOString(),
      creating: true,
      creator: thisProcess(),
      spec,
      // What create may make, recorded before it makes any: a create that
      // dies part-way leaves a record delete can clean up after.
      cgroups: { ...cgroups, created: missingDirs(cgroups) },
      noPivot: opts.noPivot,
      noNewKeyring: opts.noNewKeyring,
      rdt,
      monitor,
    };
    warnUnavailableCapabilities(spec.process, this.warn);
    this.checkNetDevices(spec);
    const dir = this.store.claim(rec);
    const launcher = monitor && new MonitorLauncher(monitor, opts.monitor!, !!spec.process?.terminal, () => this.store.write(rec));
    let result: ExecutorResult | undefined;
    try {
      cgroups = await this.placeInCgroups(cgroups, devices, spec.linux?.resources);
      rec.cgroups = cgroups;
      refuseRealtimeWithoutRuntime(spec.process, cgroups);
      if (rdt) applyRdt(rdt, resctrlRoot()!);
      // The monitor's set-up is mostly its first cgroup move, which holds the kernel's cgroup
      // lock through an RCU grace period (8 ms here): spent while the plan is made, with the
      // container's cgroups made before, since a mkdir there would wait for that lock.
      launcher?.spawn(dir);
      // Loading the planners (the seccomp compiler's tables among them) overlaps it too.
      const { buildCreatePlan, NET_DEVICES_SYNC } = await planning.create();
      const { sendListener } = await planning.notify();
      const plan = buildCreatePlan({
        id,
        spec,
        bundle,
        rootfs,
        mode: opts.wait && !monitor ? 'wait' : 'detach',
        cgroupProcs: [...procsFiles(cgroups), ...(rdt ? [rdt.tasks] : [])],
        cgroupMounts: cgroupMountSources(cgroups),
        startSocket: split ? START_SOCKET : undefined,
        consoleSocket: monitor && spec.process?.terminal ? join(monitor.dir, CONSOLE_SOCKET) : opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
        terminalRelay: opts.terminalRelay,
        noPivot: opts.noPivot,
        noNewKeyring: opts.noNewKeyring,
        setgroupsDeny: this.setgroupsDenied(spec, tools.gid !== undefined),
        mapTools: tools,
        rootless: this.rootless,
        inUserNamespace: this.inUserNs,
        ownGidMap: this.inUserNs ? ownGidMap() : undefined,
        lastCap: kernelLastCap(),
        host: HOST_FACTS,
      });
      result = await runExecutor({
        plan,
        cwd: dir,
        stdio: opts.stdio ?? ['inherit', 'inherit', 'inherit'],
        spare: launcher ? undefined : this.spares?.take(),
        launch: launcher?.launch,
        onPid: (pid) => {
          launcher?.started?.tellInit(pid);
          rec.pid = pid;
          rec.pidStartTime = procStartTime(pid) ?? '';
          this.store.write(rec);
        },
        onSync: async (name) => {
          if (name === NET_DEVICES_SYNC) {
            moveNetDevices(rec.pid, spec.linux?.netDevices ?? {});
            return '';
          }
          // runc and the runtime-tools suite give these hooks "created": the
          // environment exists, only the user process is still to come.
          const state = this.stateOf(rec, 'created');
          await runHooks('prestart', spec.hooks?.prestart, state);
          await runHooks('createRuntime', spec.hooks?.createRuntime, state);
          return JSON.stringify(state);
        },
        // runc's state for the agent: still creating, the pid the init's.
        onSeccompListener: (pid, fd) => sendListener(spec.linux!.seccomp!, pid, fd, this.stateOf(rec, 'creating')),
      }).finally(() => this.spares?.replenish());
      if (split && !result.ready) throw new RuntimeError('EINIT', 'container init exited before it was created');
      rec.creating = false;
      rec.creator = undefined;
      this.store.write(rec);
      if (opts.pidFile) writeAtomic(resolve(opts.pidFile), String(rec.pid));
    } catch (e) {
      launcher?.abandon();
      await this.destroyFailed(rec);
      throw e;
    }
    if (!split) await runHooksWarn('poststart', spec.hooks?.poststart, this.stateOf(rec, 'running'), this.warn);
    const exit = opts.wait ? (monitor ? waitExitRecord(monitor).then((r) => r.status) : result.exit) : undefined;
    return { id, pid: rec.pid, exit, monitor };
  }

  /** Before anything is made: the devices must be the host's to move, and ours (as runc, root only). */
  private checkNetDevices(spec: Spec): void {
    const names = Object.keys(spec.linux?.netDevices ?? {});
    if (names.length && this.rootless) throw new ConfigError('linux.netDevices', 'moving network devices needs a runtime with root\'s power over the host (runts runs rootless)');
    for (const name of names)
      if (!hostHasInterface(name)) throw new ConfigError(`linux.netDevices.${name}`, `the host has no network interface "${name}"`);
  }

  /** Whether the container's user namespace will deny setgroups(2): it is ours, which denies it
   * already, or a new one made by a user, who may map gids only after writing "deny" (newgidmap,
   * setuid, maps the gids /etc/subgid grants with setgroups allowed). */
  private setgroupsDenied(spec: Spec, gidTool: boolean): boolean {
    if (this.inUserNs && setgroupsDenied()) return true;
    return !gidTool && process.geteuid?.() !== 0 && (spec.linux?.namespaces ?? []).some((ns) => ns.type === 'user' && !ns.path);
  }

  /** A user's (not root of a user namespace's) maps beyond its own ids go through newuidmap and newgidmap. */
  private mapTools(spec: Spec): { uid?: string; gid?: string } {
    const uid = process.geteuid?.() ?? 0;
    if (uid === 0 || this.inUserNs) return {};
    return mapTools(spec.linux, uid, process.getegid?.() ?? 0);
  }

  /** Makes the container's cgroups and puts its device rules and resource
   * limits on them, before any process joins. A rootless runtime that may not
   * make them, or write device rules, goes without, as runc's does (a user
   * namespace cannot open a device the user could not); a limit the config
   * asks for fails the create then. A runtime with root's power fails
   * instead: a container without its device rules could open the host's disks. */
  private async placeInCgroups(p: CgroupPlacement, devices: DeviceRules, resources: LinuxResources | undefined): Promise<CgroupPlacement> {
    try {
      createCgroups(p, undefined, resources);
    } catch (e) {
      if (!this.rootless || !permissionRefused(e)) throw e;
      await removeCgroups(p);
      p = noPlacement();
    }
    try {
      controlDevices(p, devices);
    } catch (e) {
      if (!this.rootless || !permissionRefused(e)) throw e;
    }
    for (const warning of applyResources(p, resources)) this.warn(warning);
    return p;
  }

  /** Changes a container's resource limits, as runc's update (cgroups/update.ts):
   * rolled back when a write fails, stored when all are made. intelRdt: new
   * L3 or MB schema lines for its resctrl group (--l3-cache-schema, --mem-bw-schema). */
  async update(id: string, resources: LinuxResources, intelRdt?: Pick<IntelRdt, 'l3CacheSchema' | 'memBwSchema'>): Promise<void> {
    validateResources(resources);
    this.store.read(id);
    // Two updates at once would each roll back to values the other wrote, and store its spec over the other's.
    await withFileLock(this.store.dir(id), UPDATE_LOCK, () => {
      const rec = this.store.read(id);
      const status = statusOf(this.store, rec);
      if (status === 'stopped' || status === 'creating') throw new StateError(`cannot update container "${id}": it is ${status}`);
      updateResources(rec, resources, intelRdt, this.warn, { rootless: this.rootless });
      this.store.write(rec);
    });
  }

  async start(id: string): Promise<void> {
    const rec = this.store.read(id);
    const status = statusOf(this.store, rec);
    if (status !== 'created') throw new StateError(`cannot start container "${id}": it is ${status}, not created`);
    const state = JSON.stringify(this.stateOf(rec, 'created'));
    const dir = this.store.dir(id);
    let fd: number;
    // Through the directory's fd: a socket path is limited to 107 bytes, and
    // a state root like containerd's plus a 64-character id can exceed it
    // (the executor binds it relative to the directory for the same reason).
    let dirFd: number | undefined;
    try {
      dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
      fd = hostCalls().connectUnix(`/proc/self/fd/${dirFd}/${START_SOCKET}`);
    } catch (e) {
      throw new StateError(`cannot start container "${id}": ${(e as Error).message}`);
    } finally {
      if (dirFd !== undefined) closeSync(dirFd);
    }
    await new Promise<void>((resolveStart, reject) => {
      let err: RegExpExecArray | null = null;
      const channel = new LineChannel(
        fd,
        (line) => {
          if (line === 'SYNC start') {
            try {
              unlinkSync(join(dir, START_SOCKET));
            } catch {
              // Another start won the race; the container is starting either way.
            }
            channel.write(`OK ${Buffer.byteLength(state)}\n${state}`);
          } else err ??= /^ERR (-?\d+) (\S+) (\d+) (.*)$/.exec(line);
        },
        () => {
          // Without a process the init ends its plan after start; that is the error to report.
          if (!rec.spec.process) reject(new ConfigError('process', 'is not set: there is nothing to start'));
          else if (err) reject(new StepError(Number(err[1]), err[2], Number(err[3]), err[4]));
          else resolveStart();
        },
      );
    });
    await runHooksWarn('poststart', rec.spec.hooks?.poststart, this.stateOf(rec, 'running'), this.warn);
  }

  /** Freezes every process of a running container (runc's pause). */
  async pause(id: string): Promise<void> {
    const rec = this.store.read(id);
    const status = statusOf(this.store, rec);
    if (status !== 'running') throw new StateError(`cannot pause container "${id}": it is ${status}, not running`);
    await setFrozen(rec.cgroups, true);
  }

  async resume(id: string): Promise<void> {
    const rec = this.store.read(id);
    const status = statusOf(this.store, rec);
    if (status !== 'paused') throw new StateError(`cannot resume container "${id}": it is ${status}, not paused`);
    await setFrozen(rec.cgroups, false);
  }

  kill(id: string, signal: string | number = 'SIGTERM', all = false): void {
    const sig = parseSignal(signal);
    if (sig === undefined) throw new RuntimeError('EINVAL', `unknown signal "${signal}"`);
    const rec = this.store.read(id);
    const status = statusOf(this.store, rec);
    if (status === 'stopped') throw new StateError(`cannot kill container "${id}": it is not running`);
    if (!all) {
      if (!signalInit(rec.pid, rec.pidStartTime, sig)) throw new StateError(`cannot kill container "${id}": it is not running`);
    } else {
      for (const pid of this.processesOf(rec)) {
        try {
          process.kill(pid, sig);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
    }
    // As runc: a paused container is thawed for SIGKILL, which its frozen processes would otherwise hold pending forever.
    if (sig === 9 && status === 'paused') thawSoon(rec.cgroups);
  }

  async delete(id: string, force = false): Promise<void> {
    let rec: ContainerRecord;
    try {
      rec = this.store.read(id);
    } catch (e) {
      if (!force || !(e instanceof NotFoundError)) throw e;
      // A claim whose writer died before its first record (read() removes an empty one).
      return this.destroyBuried(id, undefined);
    }
    const status = statusOf(this.store, rec);
    if (status !== 'stopped' && !force)
      throw new StateError(`cannot delete container "${id}": it is ${status} (stop it first, or use --force)`);
    await this.destroyBuried(id, force ? undefined : rec);
  }

  /**
   * Claims the container for this delete by moving its directory away (of
   * concurrent deletes only one can), then destroys what its record names.
   * stopped: the record a delete without --force found stopped; a different
   * container that took the id meanwhile is put back unless it is stopped too.
   */
  private async destroyBuried(id: string, stopped: ContainerRecord | undefined): Promise<void> {
    let grave: string;
    try {
      grave = this.store.bury(id);
    } catch (e) {
      // Another delete won; it does the rest.
      if (e instanceof NotFoundError && !stopped) return;
      throw e;
    }
    const rec = readRecord(grave);
    if (!rec) return removeDir(grave);
    if (stopped && rec.created !== stopped.created && statusOf(this.store, rec) !== 'stopped') {
      this.store.unbury(grave, id);
      throw new StateError(`cannot delete container "${id}": it was replaced by a running one`);
    }
    await this.destroy(rec, true, stopped ? MONITOR_GRACE_MS : MONITOR_FORCE_GRACE_MS);
    removeDir(grave);
  }

  /** Cleans up after a create that failed: what a concurrent delete claimed is
   * that delete's to finish, but the processes and cgroups go at once either way. */
  private async destroyFailed(rec: ContainerRecord): Promise<void> {
    let grave: string | undefined;
    try {
      grave = this.store.bury(rec.id);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    await this.destroy(rec, grave !== undefined && rec.pid !== 0, MONITOR_FORCE_GRACE_MS);
    if (grave) removeDir(grave);
  }

  /** Kills what is left, removes cgroups, runs poststop hooks. */
  private async destroy(rec: ContainerRecord, poststop: boolean, monitorGrace: number): Promise<void> {
    if (!(await killCgroups(rec.cgroups))) {
      for (const pid of this.processesOf(rec)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    // The init outside the container's cgroups: rootless without any.
    signalInit(rec.pid, rec.pidStartTime, 9);
    // A frozen process takes its SIGKILL only once thawed (v1's freezer).
    if (isFrozen(rec.cgroups)) await setFrozen(rec.cgroups, false);
    await waitGone(rec);
    // A monitor that never ran (pid 0) made no directory: one of that name is not ours.
    if (rec.monitor?.pid) await removeMonitor(rec.monitor, monitorGrace);
    await removeCgroups(rec.cgroups, this.keptParents);
    if (rec.rdt) removeRdt(rec.rdt.remove);
    if (poststop) await runHooksWarn('poststop', rec.spec.hooks?.poststop, this.stateOf(rec, 'stopped'), this.warn);
  }

  state(id: string): State {
    const rec = this.store.read(id);
    return this.stateOf(rec, statusOf(this.store, rec));
  }

  /** Every container's state, with the record fields `runts list` shows (the owner is the uid of its state directory, as in runc); each state.json is read once. */
  list(): (State & { created: string; rootfs: string; ownerUid: number })[] {
    const out = [];
    for (const id of this.store.ids()) {
      try {
        const rec = this.store.read(id);
        const ownerUid = statSync(this.store.dir(id)).uid;
        out.push({ ...this.stateOf(rec, statusOf(this.store, rec)), created: rec.created, rootfs: rec.rootfs, ownerUid });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    return out;
  }

  /** The container's processes: its cgroups' pids, or without cgroups (rootless)
   * those of its pid namespace and their descendants while the init lives. */
  processes(id: string): number[] {
    return this.processesOf(this.store.read(id));
  }

  private processesOf(rec: ContainerRecord): number[] {
    if (rec.cgroups.dirs.length) return cgroupPids(rec.cgroups);
    return initAlive(rec) ? containerProcesses(rec.pid) : [];
  }

  /** The container's statistics, as runc's `events --stats` reports them (src/runtime/stats). */
  stats(id: string): Stats {
    return containerStats(this.observed(id));
  }

  /** Stats every interval and each OOM, until the container stops: runc's `events`. */
  events(id: string, opts: EventsOptions = {}): AsyncGenerator<ContainerEvent> {
    if (opts.intervalMs !== undefined && !(opts.intervalMs > 0 && Number.isFinite(opts.intervalMs)))
      throw new RuntimeError('EINVAL', `events interval ${opts.intervalMs} ms: it must be greater than 0`);
    return containerEvents(this.observed(id), { warn: this.warn, ...opts });
  }

  /** A container that has statistics to read: its init alive, its cgroups made. */
  private observed(id: string): ContainerRecord {
    const rec = this.store.read(id);
    if (!initAlive(rec)) throw new StateError(`container "${id}" is not running`);
    if (!rec.cgroups.dirs.length) throw new RuntimeError('ENOCGROUPS', `container "${id}" has no cgroups (rootless, none delegated): there are no statistics to read`);
    return rec;
  }

  record(id: string): ContainerRecord {
    return this.store.read(id);
  }

  async exec(id: string, opts: ExecOptions): Promise<Created> {
    const { buildExecPlan, withContainerDefaults } = await planning.exec();
    const { sendListener } = await planning.notify();
    // The library's callers pass a Process of their own: it is checked as config.json's is.
    const own = validateProcess(opts.process);
    const rec = this.store.read(id);
    const proc = withContainerDefaults(own, rec.spec.process);
    const status = statusOf(this.store, rec);
    if (status !== 'running' && status !== 'created')
      throw new StateError(`cannot exec in container "${id}": it is ${status}`);
    refuseRealtimeWithoutRuntime(proc, rec.cgroups);
    warnUnavailableCapabilities(proc, this.warn);
    // Everything about the init is read through one fd of its /proc
    // directory, checked to be the init's: its namespaces are joined through
    // it too, so a pid reused since is never joined.
    const initProc = openInitProc(rec.pid, rec.pidStartTime);
    if (initProc === undefined) throw new StateError(`cannot exec in container "${id}": it is stopped`);
    try {
      const stdio = opts.stdio ?? ['inherit', 'inherit', 'inherit'];
      const init = `/proc/self/fd/${initProc}`;
      const inExecutor = `/proc/self/fd/${runtimeFd(stdio, 0)}`;
      const namespaces = (rec.spec.linux?.namespaces ?? []).map((ns) => ({
        type: ns.type,
        path: `${inExecutor}/ns/${NS_PROC_NAMES[ns.type]}`,
      }));
      const plan = buildExecPlan({
        id,
        setgroupsDenied: setgroupsDenied(init),
        process: proc,
        lsm: hostLsm(),
        personality: rec.spec.linux?.personality,
        lastCap: kernelLastCap(),
        namespaces,
        cgroupProcs: [...execProcsFiles(rec.cgroups, readFileSync(`${init}/cgroup`, 'utf8')), ...(rec.rdt ? [rec.rdt.tasks] : [])],
        mode: opts.detach ? 'detach' : 'wait',
        consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
        terminalRelay: opts.terminalRelay,
        noNewKeyring: rec.noNewKeyring,
        seccomp: rec.spec.linux?.seccomp,
      });
      const result = await runExecutor({
        plan,
        cwd: this.store.dir(id),
        stdio,
        runtimeFds: [initProc],
        // The process is the exec'd one; the state's pid stays the init's, as runc sends it.
        onSeccompListener: (pid, fd) => sendListener(rec.spec.linux!.seccomp!, pid, fd, this.stateOf(rec, 'running')),
      });
      if (opts.pidFile) writeAtomic(resolve(opts.pidFile), String(result.pid));
      return { id, pid: result.pid, exit: opts.detach ? undefined : result.exit };
    } finally {
      closeSync(initProc);
    }
  }

  private stateOf(rec: ContainerRecord, status: Status): State {
    const state: State = { ociVersion: OCI_VERSION, id: rec.id, status, bundle: rec.bundle };
    if (status !== 'stopped' && rec.pid) state.pid = rec.pid;
    if (rec.spec.annotations) state.annotations = rec.spec.annotations;
    return state;
  }
}

/** How long delete waits for a monitor to take the last output and record the exit before it kills it
 * (it takes milliseconds); with --force, and after a failed create, not as long. */
const MONITOR_GRACE_MS = 5000;
const MONITOR_FORCE_GRACE_MS = 1000;

/** The init's pid counts only while it is still the init: after its exit the number may be another process's. */
function initAlive(rec: ContainerRecord): boolean {
  return processAlive(rec.pid, rec.pidStartTime);
}

/** Waits until the init and every process of the cgroup are gone. */
async function waitGone(rec: ContainerRecord): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!initAlive(rec) && cgroupPids(rec.cgroups).length === 0) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new RuntimeError('ETIMEDOUT', `container "${rec.id}" processes did not exit within 10s`);
}
