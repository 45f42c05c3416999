// The statistics readers against what the kernel's files held: the fixtures
// are files of real containers, captured on the development VM (hybrid: v1
// controllers, cgroup2 beside them) and in the pure v2 guest
// (test/helpers/vm.ts), each after a busy loop under a cpu quota, an OOM kill
// under a 24 MiB limit and an 8 MiB allocation held. The expected values are
// runc's reading of the same files (its libcontainer/cgroups fs and fs2).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hierarchiesFrom } from '../../src/runtime/cgroups/hierarchy.ts';
import { memoryEventsCounts, OomCounter, oomControlCounts } from '../../src/runtime/stats/oom.ts';
import {
  hugePageSizes,
  parseBlkioV1,
  parseCpuacctStat,
  parseCpuacctUsageAll,
  parseCpuList,
  parseIoStat,
  parseKeyed,
  parseMisc,
  parseNetDev,
  parsePsi,
  parseRdma,
  parseU64,
  U64_MAX,
} from '../../src/runtime/stats/parse.ts';
import { type ReadFiles, readExtras, readStats, statsSources } from '../../src/runtime/stats/read.ts';
import { decodeStatsEvent } from '../../src/runtime/stats/decode.ts';
import { encodeEvent } from '../../src/runtime/stats/types.ts';

const HYBRID = '/sys/fs/cgroup';
const NO_LIMIT_V1 = 9223372036854771712n;

// Written by a process that read and wrote 256 KiB with O_DIRECT under a write throttle.
const BLKIO_BYTES = '254:0 Read 262144\n254:0 Write 262144\n254:0 Sync 524288\n254:0 Async 0\n254:0 Discard 0\n254:0 Total 524288\nTotal 524288\n';
const BLKIO_IOS = '254:0 Read 64\n254:0 Write 64\n254:0 Sync 128\n254:0 Async 0\n254:0 Discard 0\n254:0 Total 128\nTotal 128\n';

const HYBRID_FILES: Record<string, Record<string, string>> = {
  [`${HYBRID}/cpu/runts/c`]: {
    'cpu.stat': 'nr_periods 7\nnr_throttled 4\nthrottled_time 198086903\nnr_bursts 0\nburst_time 0\n',
  },
  [`${HYBRID}/cpuacct/runts/c`]: {
    'cpuacct.stat': 'user 8\nsystem 2\n',
    'cpuacct.usage': '112558881\n',
    'cpuacct.usage_all': 'cpu user system\n0 88000000 8000000\n1 0 22587391\n',
    'cpuacct.usage_percpu': '87999692 24559189 \n',
  },
  [`${HYBRID}/cpuset/runts/c`]: {
    'cpuset.cpu_exclusive': '0\n',
    'cpuset.cpus': '0-1\n',
    'cpuset.mem_exclusive': '0\n',
    'cpuset.mem_hardwall': '0\n',
    'cpuset.memory_migrate': '0\n',
    'cpuset.memory_pressure': '0\n',
    'cpuset.memory_spread_page': '0\n',
    'cpuset.memory_spread_slab': '0\n',
    'cpuset.mems': '0\n',
    'cpuset.sched_load_balance': '1\n',
    'cpuset.sched_relax_domain_level': '-1\n',
  },
  [`${HYBRID}/memory/runts/c`]: {
    'memory.failcnt': '82\n',
    'memory.kmem.failcnt': '0\n',
    'memory.kmem.limit_in_bytes': '9223372036854771712\n',
    'memory.kmem.max_usage_in_bytes': '512000\n',
    'memory.kmem.tcp.failcnt': '0\n',
    'memory.kmem.tcp.limit_in_bytes': '9223372036854771712\n',
    'memory.kmem.tcp.max_usage_in_bytes': '0\n',
    'memory.kmem.tcp.usage_in_bytes': '0\n',
    'memory.kmem.usage_in_bytes': '446464\n',
    'memory.limit_in_bytes': '25165824\n',
    'memory.max_usage_in_bytes': '25165824\n',
    'memory.memsw.failcnt': '0\n',
    'memory.memsw.limit_in_bytes': '9223372036854771712\n',
    'memory.memsw.max_usage_in_bytes': '25427968\n',
    'memory.memsw.usage_in_bytes': '9039872\n',
    'memory.stat':
      'cache 0\nrss 8593408\nrss_huge 0\nshmem 0\nmapped_file 0\ndirty 0\nwriteback 0\nworkingset_refault_anon 0\nworkingset_refault_file 0\nswap 0\nswapcached 0\npgpgin 8191\npgpgout 6093\npgfault 8435\npgmajfault 0\ninactive_anon 8581120\nactive_anon 12288\ninactive_file 0\nactive_file 0\nunevictable 0\nhierarchical_memory_limit 25165824\nhierarchical_memsw_limit 9223372036854771712\ntotal_cache 0\ntotal_rss 8593408\ntotal_rss_huge 0\ntotal_shmem 0\ntotal_mapped_file 0\ntotal_dirty 0\ntotal_writeback 0\ntotal_workingset_refault_anon 0\ntotal_workingset_refault_file 0\ntotal_swap 0\ntotal_swapcached 0\ntotal_pgpgin 8191\ntotal_pgpgout 6093\ntotal_pgfault 8435\ntotal_pgmajfault 0\ntotal_inactive_anon 8581120\ntotal_active_anon 12288\ntotal_inactive_file 0\ntotal_active_file 0\ntotal_unevictable 0\n',
    'memory.usage_in_bytes': '9039872\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
  },
  [`${HYBRID}/pids/runts/c`]: {
    'pids.current': '4\n',
    'pids.max': 'max\n',
  },
  [`${HYBRID}/blkio/runts/c`]: {
    // BFQ counted nothing (the disk's scheduler is none): the throttle layer's files are taken.
    'blkio.bfq.io_service_bytes_recursive': 'Total 0\n',
    'blkio.bfq.io_serviced_recursive': 'Total 0\n',
    'blkio.throttle.io_service_bytes_recursive': BLKIO_BYTES,
    'blkio.throttle.io_serviced_recursive': BLKIO_IOS,
  },
  [`${HYBRID}/unified/runts/c`]: {
    // Not read: the v1 cpuacct controller has the precise counters.
    'cpu.stat': 'usage_usec 112454\nuser_usec 83449\nsystem_usec 29005\nnice_usec 0\n',
    'cgroup.procs': '5637\n5820\n5821\n5822\n',
  },
  '/proc/5637/net': {
    dev: 'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n',
  },
};

const V2_DIR = '/sys/fs/cgroup/r2cap/c';
const V2_FILES: Record<string, Record<string, string>> = {
  [V2_DIR]: {
    'cgroup.procs': '145\n187\n188\n189\n',
    'cpu.stat': 'usage_usec 1972970\nuser_usec 1754201\nsystem_usec 218768\nnr_periods 94\nnr_throttled 90\nthrottled_usec 9943873\nnr_bursts 0\nburst_usec 0\n',
    'hugetlb.2MB.current': '0\n',
    'hugetlb.2MB.events': 'max 0\n',
    'hugetlb.2MB.rsvd.current': '0\n',
    // The guest has no block device: the kernel documentation's example line (cgroup-v2.rst).
    'io.stat': '8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n',
    'memory.current': '9252864\n',
    'memory.events': 'low 0\nhigh 0\nmax 41\noom 1\noom_kill 1\noom_group_kill 0\n',
    'memory.max': '25165824\n',
    'memory.peak': '25165824\n',
    'memory.stat':
      'anon 8585216\nfile 0\nkernel 397312\nkernel_stack 49152\npagetables 106496\nsec_pagetables 0\npercpu 0\nsock 0\nvmalloc 0\nshmem 0\nzswap 0\nzswapped 0\nfile_mapped 0\nfile_dirty 0\nfile_writeback 0\nswapcached 0\nanon_thp 6291456\nfile_thp 0\nshmem_thp 0\ninactive_anon 8572928\nactive_anon 12288\ninactive_file 0\nactive_file 0\nunevictable 0\nslab_reclaimable 33528\nslab_unreclaimable 68464\nslab 101992\nworkingset_refault_anon 0\nworkingset_refault_file 0\nworkingset_activate_anon 0\nworkingset_activate_file 0\nworkingset_restore_anon 0\nworkingset_restore_file 0\nworkingset_nodereclaim 0\npgscan 0\npgsteal 0\npgscan_kswapd 0\npgscan_direct 0\npgsteal_kswapd 0\npgsteal_direct 0\npgfault 1345\npgmajfault 0\npgrefill 0\npgactivate 0\npgdeactivate 0\npglazyfree 0\npglazyfreed 0\nzswpin 0\nzswpout 0\nthp_fault_alloc 14\nthp_collapse_alloc 0\n',
    'memory.swap.current': '0\n',
    'memory.swap.max': 'max\n',
    'pids.current': '4\n',
    'pids.max': '100\n',
    // Three busy shells on the guest's one cpu; nothing waited for memory or io.
    'cpu.pressure': 'some avg10=30.68 avg60=9.91 avg300=2.29 total=7016841\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=18346\n',
    'memory.pressure': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
    'io.pressure': 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n',
  },
};

// This VM's /proc/net/dev (the host's namespace: the loopback, two ifb and eth0).
const HOST_NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 3794261644  179050    0    0    0     0          0         0 3794261644  179050    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  ifb1:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: 780693457   20675    0    0    0     0          0         0   878640   11617    0    0    0     0       0          0
`;

const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const HYBRID_DIRS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd', 'unified'].map((h) => `${HYBRID}/${h}/runts/c`);
const hybridSources = statsSources(HYBRID_DIRS, hierarchiesFrom(HYBRID_MOUNTINFO, '0::/\n'));
const v2Sources = statsSources([V2_DIR], hierarchiesFrom('28 22 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n', '0::/\n'));

/** Reads from captured directories, as the host addon's readFiles reads real ones. */
function filesOf(tree: Record<string, Record<string, string>>): ReadFiles {
  return (dir, names) => names.map((n) => tree[dir]?.[n]);
}

/** Every key path of a value, in order, to compare with the order Go encodes runc's structs in. */
function keyPaths(v: unknown, at = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => [`${at}${k}`, ...(at.includes('raw') ? [] : keyPaths(x, `${at}${k}.`))]);
}

describe('stats file parsers', () => {
  it('reads counters as runc does: "max" is the largest uint64, a negative is 0, garbage is refused', () => {
    assert.equal(parseU64('9223372036854771712\n'), NO_LIMIT_V1);
    assert.equal(parseU64('max\n'), U64_MAX);
    assert.equal(parseU64('-1'), 0n);
    assert.throws(() => parseU64('12abc'), /"12abc" is not a number/);
    assert.throws(() => parseKeyed('nr_periods\n'), /malformed line "nr_periods"/);
  });

  it('turns cpuacct.stat clock ticks into nanoseconds and splits usage_all by mode', () => {
    assert.deepEqual(parseCpuacctStat('user 8\nsystem 2\n'), { user: 80_000_000n, kernel: 20_000_000n });
    assert.deepEqual(parseCpuacctUsageAll('cpu user system\n0 88000000 8000000\n1 0 22587391\n'), { user: [88000000n, 0n], kernel: [8000000n, 22587391n] });
    assert.throws(() => parseCpuacctStat('system 2\n'), /malformed cpuacct.stat/);
  });

  it('expands cpu lists', () => {
    assert.deepEqual(parseCpuList('0-1\n'), [0, 1]);
    assert.deepEqual(parseCpuList('0,2-4,7\n'), [0, 2, 3, 4, 7]);
    assert.deepEqual(parseCpuList('\n'), []);
    assert.throws(() => parseCpuList('3-1'), /malformed cpu list/);
  });

  it('reads v1 blkio files, leaving zero fields out as Go does', () => {
    const entries = parseBlkioV1(BLKIO_BYTES);
    assert.equal(entries.length, 6);
    assert.deepEqual(entries[0], { major: 254n, op: 'Read', value: 262144n });
    assert.deepEqual(entries[3], { major: 254n, op: 'Async' });
    assert.deepEqual(parseBlkioV1('Total 0\n'), []);
    assert.throws(() => parseBlkioV1('254:0\n'), /malformed blkio line/);
  });

  it("maps v2's io.stat to v1's two tables", () => {
    const io = parseIoStat('8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n');
    assert.deepEqual(io.serviceBytes, [
      { major: 8n, minor: 16n, op: 'Read', value: 1459200n },
      { major: 8n, minor: 16n, op: 'Write', value: 314773504n },
    ]);
    assert.deepEqual(io.serviced, [
      { major: 8n, minor: 16n, op: 'Read', value: 192n },
      { major: 8n, minor: 16n, op: 'Write', value: 353n },
    ]);
  });

  it('reads /proc/<pid>/net/dev without the loopback', () => {
    const ifs = parseNetDev(HOST_NET_DEV);
    assert.deepEqual(ifs.map((i) => i.Name), ['ifb0', 'ifb1', 'eth0']);
    assert.deepEqual(ifs[2], {
      Name: 'eth0',
      RxBytes: 780693457n,
      RxPackets: 20675n,
      RxErrors: 0n,
      RxDropped: 0n,
      TxBytes: 878640n,
      TxPackets: 11617n,
      TxErrors: 0n,
      TxDropped: 0n,
    });
  });

  it('names huge page sizes as the hugetlb controller does', () => {
    assert.deepEqual(hugePageSizes(['hugepages-1048576kB', 'hugepages-2048kB', 'hugepages-64kB', 'other']), ['1GB', '2MB', '64KB']);
  });
});

describe('a hybrid host (this VM): v1 controllers, cgroup2 beside them', () => {
  const stats = readStats(hybridSources, 5637, filesOf(HYBRID_FILES), ['1GB', '2MB']);

  it('takes each controller from its v1 hierarchy', () => {
    assert.deepEqual(hybridSources, {
      cpu: `${HYBRID}/cpu/runts/c`,
      cpuacct: `${HYBRID}/cpuacct/runts/c`,
      cpuset: `${HYBRID}/cpuset/runts/c`,
      memory: `${HYBRID}/memory/runts/c`,
      blkio: `${HYBRID}/blkio/runts/c`,
      pids: `${HYBRID}/pids/runts/c`,
      unified: `${HYBRID}/unified/runts/c`,
    });
  });

  it('cpu: cpuacct usage in ns, per cpu and mode; throttling from cpu.stat', () => {
    assert.deepEqual(stats.cpu, {
      usage: {
        total: 112558881n,
        percpu: [87999692n, 24559189n],
        percpu_kernel: [8000000n, 22587391n],
        percpu_user: [88000000n, 0n],
        kernel: 20_000_000n,
        user: 80_000_000n,
      },
      throttling: { periods: 7n, throttledPeriods: 4n, throttledTime: 198086903n },
    });
  });

  it('cpuset, memory (memsw as swap, kmem, kmem.tcp, memory.stat as raw) and pids', () => {
    assert.deepEqual(stats.cpuset.cpus, [0, 1]);
    assert.deepEqual(stats.cpuset.mems, [0]);
    assert.equal(stats.cpuset.sched_load_balance, 1n);
    assert.equal(stats.cpuset.sched_relax_domain_level, -1n);
    assert.equal(stats.memory.cache, undefined);
    assert.deepEqual(stats.memory.usage, { limit: 25165824n, usage: 9039872n, max: 25165824n, failcnt: 82n });
    assert.deepEqual(stats.memory.swap, { limit: NO_LIMIT_V1, usage: 9039872n, max: 25427968n, failcnt: 0n });
    assert.deepEqual(stats.memory.kernel, { limit: NO_LIMIT_V1, usage: 446464n, max: 512000n, failcnt: 0n });
    assert.deepEqual(stats.memory.kernelTCP, { limit: NO_LIMIT_V1, failcnt: 0n });
    assert.equal(stats.memory.raw?.total_rss, 8593408n);
    assert.equal(Object.keys(stats.memory.raw!).length, 42);
    assert.deepEqual(Object.keys(stats.memory.raw!), Object.keys(stats.memory.raw!).sort());
    assert.deepEqual(stats.pids, { current: 4n });
  });

  it('blkio from the throttle layer when BFQ counted nothing; no hugetlb in a cgroup2 without the controller', () => {
    assert.deepEqual(stats.blkio.ioServicedRecursive?.map((e) => [e.op, e.value]), [
      ['Read', 64n],
      ['Write', 64n],
      ['Sync', 128n],
      ['Async', undefined],
      ['Discard', undefined],
      ['Total', 128n],
    ]);
    assert.equal(stats.blkio.ioServiceBytesRecursive?.[1].value, 262144n);
    assert.deepEqual(stats.hugetlb, {});
    assert.deepEqual(stats.network_interfaces, []);
  });

  it("hugetlb from the cgroup2 mount once it holds the controller (the guest's files)", () => {
    const withHugetlb = { ...HYBRID_FILES, [`${HYBRID}/unified/runts/c`]: { ...HYBRID_FILES[`${HYBRID}/unified/runts/c`], ...pick(V2_FILES[V2_DIR], 'hugetlb.') } };
    assert.deepEqual(readStats(hybridSources, undefined, filesOf(withHugetlb), ['1GB', '2MB']).hugetlb, { '2MB': { failcnt: 0n } });
  });

  it("encodes as runc 1.1 does: its key order, zeros left out, uint64 digits exact", () => {
    const line = encodeEvent({ type: 'stats', id: 'c', data: stats });
    assert.ok(line.endsWith('\n'));
    const json = JSON.parse(line);
    assert.deepEqual(Object.keys(json), ['type', 'id', 'data']);
    assert.deepEqual(Object.keys(json.data), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    assert.deepEqual(keyPaths(json.data.cpu), [
      'usage', 'usage.total', 'usage.percpu', 'usage.percpu_kernel', 'usage.percpu_user', 'usage.kernel', 'usage.user',
      'throttling', 'throttling.periods', 'throttling.throttledPeriods', 'throttling.throttledTime',
    ]);
    assert.deepEqual(Object.keys(json.data.cpuset), [
      'cpus', 'cpu_exclusive', 'mems', 'mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page',
      'memory_spread_slab', 'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level',
    ]);
    assert.deepEqual(Object.keys(json.data.memory), ['usage', 'swap', 'kernel', 'kernelTCP', 'raw']);
    assert.deepEqual(Object.keys(json.data.memory.usage), ['limit', 'usage', 'max', 'failcnt']);
    assert.ok(line.includes('"kernelTCP":{"limit":9223372036854771712,"failcnt":0}'), line);
    assert.ok(line.includes('"blkio":{"ioServiceBytesRecursive":[{"major":254,"op":"Read","value":262144}'), line);
  });

  it('reads back what it encodes (another runtime\'s events --stats): counters as exact bigints, cpu lists and PSI averages as numbers', () => {
    const pressure = { some: { avg10: 1.5, avg60: 0, avg300: 0, total: 12n } };
    const data = { ...stats, cpu: { ...stats.cpu, psi: pressure }, cpuset: { ...stats.cpuset, cpus: [0, 1] } };
    assert.deepEqual(decodeStatsEvent(encodeEvent({ type: 'stats', id: 'c', data })), data);
    assert.equal(decodeStatsEvent('{"type":"stats","id":"c","data":{"memory":{"usage":{"limit":18446744073709551615}}}}').memory.usage.limit, 2n ** 64n - 1n);
    assert.throws(() => decodeStatsEvent('{"type":"oom","id":"c"}'), /not a stats event/);
    assert.throws(() => decodeStatsEvent('runc: container not running'), /not a stats event/);
  });
});

/** The files of a directory whose names start with prefix. */
function pick(files: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([n]) => n.startsWith(prefix)));
}

describe('a pure v2 host (the guest)', () => {
  const stats = readStats(v2Sources, undefined, filesOf(V2_FILES), ['2MB']);

  it('cpu: usage and throttling from cpu.stat, µs to ns; pressure from cpu.pressure', () => {
    assert.deepEqual(stats.cpu, {
      usage: { total: 1972970000n, kernel: 218768000n, user: 1754201000n },
      throttling: { periods: 94n, throttledPeriods: 90n, throttledTime: 9943873000n },
      psi: { some: { avg10: 30.68, avg60: 9.91, avg300: 2.29, total: 7016841n }, full: { avg10: 0, avg60: 0, avg300: 0, total: 18346n } },
    });
  });

  it('pressure as runc 1.2 prints it: psi last in cpu, memory and blkio, a line of zeros left out (omitzero)', () => {
    assert.deepEqual(stats.memory.psi, {});
    assert.deepEqual(stats.blkio.psi, {});
    const line = encodeEvent({ type: 'stats', id: 'c', data: stats });
    assert.ok(line.includes('"throttledTime":9943873000},"psi":{"some":{"avg10":30.68,"avg60":9.91,"avg300":2.29,"total":7016841},"full":{"avg10":0,"avg60":0,"avg300":0,"total":18346}}},"cpuset"'), line);
    const json = JSON.parse(line);
    assert.equal(Object.keys(json.data.memory).at(-1), 'psi');
    assert.equal(Object.keys(json.data.blkio).at(-1), 'psi');
  });

  it('no pressure without the files (no PSI in the kernel, or cgroup.pressure off), nor when reading them is refused', () => {
    const none = { [V2_DIR]: Object.fromEntries(Object.entries(V2_FILES[V2_DIR]).filter(([n]) => !n.endsWith('.pressure'))) };
    const s = readStats(v2Sources, undefined, filesOf(none), ['2MB']);
    assert.equal(s.cpu.psi, undefined);
    assert.ok(!('psi' in s.memory) && !('psi' in s.blkio));
    const refusing: ReadFiles = (dir, names) => {
      if (names.includes('cpu.pressure')) throw Object.assign(new Error('read: Operation not supported'), { code: 'EOPNOTSUPP' });
      return filesOf(V2_FILES)(dir, names);
    };
    assert.equal(readStats(v2Sources, undefined, refusing, ['2MB']).cpu.psi, undefined);
  });

  it('rdma and misc where the cgroup has them (the guest has both, with no device and no resource); none otherwise', () => {
    const withBoth = { [V2_DIR]: { ...V2_FILES[V2_DIR], 'rdma.current': '', 'rdma.max': '', 'misc.current': '', 'misc.events': '' } };
    const s = readStats(v2Sources, undefined, filesOf(withBoth), ['2MB']);
    assert.deepEqual([s.rdma, s.misc], [{}, {}]);
    assert.deepEqual(Object.keys(JSON.parse(encodeEvent({ type: 'stats', id: 'c', data: s })).data).slice(-3), ['network_interfaces', 'rdma', 'misc']);
    assert.ok(!('rdma' in stats) && !('misc' in stats));
  });

  it('memory: current, max and peak; swap counted with memory as v1 does; file as cache', () => {
    assert.deepEqual(stats.memory.usage, { limit: 25165824n, usage: 9252864n, max: 25165824n, failcnt: 0n });
    assert.deepEqual(stats.memory.swap, { limit: U64_MAX, usage: 9252864n, failcnt: 0n });
    assert.deepEqual(stats.memory.kernel, { limit: 0n, failcnt: 0n });
    assert.equal(stats.memory.cache, undefined);
    assert.equal(stats.memory.raw?.anon, 8585216n);
    assert.ok(encodeEvent({ type: 'stats', id: 'c', data: stats }).includes('"swap":{"limit":18446744073709551615,"usage":9252864,"failcnt":0}'));
  });

  it('pids with their limit, io, hugetlb; cpuset zero as in runc', () => {
    assert.deepEqual(stats.pids, { current: 4n, limit: 100n });
    assert.equal(stats.blkio.ioServiceBytesRecursive?.length, 2);
    assert.deepEqual(stats.hugetlb, { '2MB': { failcnt: 0n } });
    assert.equal(stats.cpuset.cpus, undefined);
    assert.equal(stats.cpuset.sched_load_balance, 0n);
    assert.equal(stats.network_interfaces, null);
  });

  it('without the pids and memory controllers: processes counted from cgroup.procs, memory zero', () => {
    const bare = { [V2_DIR]: pick(V2_FILES[V2_DIR], 'c') };
    const s = readStats(v2Sources, undefined, filesOf(bare), ['2MB']);
    assert.deepEqual(s.pids, { current: 4n });
    assert.deepEqual(s.memory, { usage: { limit: 0n, failcnt: 0n }, swap: { limit: 0n, failcnt: 0n }, kernel: { limit: 0n, failcnt: 0n }, kernelTCP: { limit: 0n, failcnt: 0n } });
    assert.equal(s.cpu.usage.total, 1972970000n);
    assert.deepEqual(s.hugetlb, {});
  });

  it('a file the kernel filled with something else fails naming it', () => {
    const broken = { [V2_DIR]: { ...V2_FILES[V2_DIR], 'memory.current': 'lots\n' } };
    assert.throws(() => readStats(v2Sources, undefined, filesOf(broken), []), /\/sys\/fs\/cgroup\/r2cap\/c\/memory.current: "lots" is not a number/);
  });
});

describe('pressure, rdma and misc files', () => {
  it('parses pressure lines, keeping only what is not zero', () => {
    assert.deepEqual(parsePsi('some avg10=1.50 avg60=0.25 avg300=0.00 total=42\n'), { some: { avg10: 1.5, avg60: 0.25, avg300: 0, total: 42n } });
    assert.deepEqual(parsePsi(''), {});
    assert.throws(() => parsePsi('some avg10=lots total=1\n'), /malformed pressure line "some avg10=lots total=1"/);
  });

  it('parses rdma.current and rdma.max (the kernel documentation\'s lines): max is 2^32-1, zeros left out', () => {
    assert.deepEqual(parseRdma('mlx4_0 hca_handle=2 hca_object=2000\nocrdma1 hca_handle=3 hca_object=max\nmlx5_1 hca_handle=0 hca_object=0\n'), [
      { device: 'mlx4_0', hca_handles: 2, hca_objects: 2000 },
      { device: 'ocrdma1', hca_handles: 3, hca_objects: 4294967295 },
      { device: 'mlx5_1' },
    ]);
    assert.throws(() => parseRdma('mlx4_0 hca_handle=-1 hca_object=1\n'), /malformed rdma line/);
  });

  it('pairs misc.current with misc.events by resource, sorted as Go prints a map', () => {
    assert.deepEqual(parseMisc('sev_es 0\nsev 3\n', 'sev_es.max 2\nsev.max 0\n'), { sev: { usage: 3n }, sev_es: { events: 2n } });
    assert.deepEqual(parseMisc('', ''), {});
  });

  it('reads rdma (limit and current) from its v1 hierarchy or the v2 cgroup; a device that went between the reads gives none', () => {
    const dir = '/sys/fs/cgroup/rdma/runts/c';
    const src = { rdma: dir };
    const files = (cur: string, max: string) => filesOf({ [dir]: { 'rdma.current': cur, 'rdma.max': max } });
    assert.deepEqual(readExtras(src, files('mlx4_0 hca_handle=2 hca_object=20\n', 'mlx4_0 hca_handle=max hca_object=max\n')).rdma, {
      rdma_limit: [{ device: 'mlx4_0', hca_handles: 4294967295, hca_objects: 4294967295 }],
      rdma_current: [{ device: 'mlx4_0', hca_handles: 2, hca_objects: 20 }],
    });
    assert.deepEqual(readExtras(src, files('', 'mlx4_0 hca_handle=max hca_object=max\n')).rdma, {});
    const none = readExtras({ misc: '/nowhere', unified: '/nowhere-v2' }, filesOf({}));
    assert.deepEqual([none.psi.cpu, none.psi.memory, none.psi.io, none.rdma, none.misc], [undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('OOM counting', () => {
  it("v1: memory.oom_control's oom_kill, and a wait under OOM when the killer is disabled", () => {
    const texts = [
      'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
      'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
      'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
      'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
      'oom_kill_disable 1\nunder_oom 1\noom_kill 3\n',
      'oom_kill_disable 1\nunder_oom 1\noom_kill 3\n',
    ];
    let i = 0;
    const c = new OomCounter(() => oomControlCounts(texts[i]));
    const seen = texts.slice(1).map(() => (i++, c.take()));
    assert.deepEqual(seen, [1, 0, 2, 1, 0]);
  });

  it("v2: memory.events' oom and oom_kill, counted once when both move", () => {
    const texts = [
      'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
      V2_FILES[V2_DIR]['memory.events'],
      'low 0\nhigh 0\nmax 57\noom 2\noom_kill 1\noom_group_kill 0\n',
    ];
    let i = 0;
    const c = new OomCounter(() => memoryEventsCounts(texts[i]));
    const seen = texts.slice(1).map(() => (i++, c.take()));
    assert.deepEqual(seen, [1, 1]);
  });

  it('a counter file that went away counts nothing', () => {
    let text: string | undefined = 'oom_kill 0\n';
    const c = new OomCounter(() => (text === undefined ? undefined : oomControlCounts(text)));
    text = undefined;
    assert.equal(c.take(), 0);
  });
});
