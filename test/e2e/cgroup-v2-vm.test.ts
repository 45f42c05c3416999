// runts on a pure cgroup v2 host. This machine is hybrid, so the checks
// (test/helpers/vm-checks.ts) run in a guest: Debian's kernel under qemu in
// software emulation, booted once for all of them (test/helpers/vm.ts).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CheckResult, checks } from '../helpers/vm-checks.ts';
import { killVms, NODE, REPO, runInVm, type VmRun } from '../helpers/vm.ts';

// The guest runs every v2 check in software emulation, beside the rest of the
// suite: alone it takes about two minutes; the budget leaves room for a busy host.
const VM_TIMEOUT = 420_000;

// The guest runs this host's amd64 binaries (Node, executor, busybox).
const cannot = process.arch !== 'x64' ? `the guest runs this host's binaries, which are ${process.arch}, not x64` : undefined;

describe('pure cgroup v2 (Debian kernel under qemu -accel tcg)', { skip: cannot, timeout: VM_TIMEOUT + 60_000 }, () => {
  const outDir = mkdtempSync(join(tmpdir(), 'runts-vm-out-'));
  let results = new Map<string, CheckResult>();
  let vm: VmRun | undefined;
  let bootError: unknown;

  before(async () => {
    const checksFile = relative(REPO, join(import.meta.dirname, '..', 'helpers', 'vm-checks.ts'));
    try {
      vm = await runInVm({
        // runts as Node's entry: qemu's default CPU, under which Node has been steady, has no AVX2 for Bun.
        script: `cd '${REPO}' && RUNTS_ON_NODE=1 exec '${NODE}' --disable-warning=ExperimentalWarning ${checksFile} /out/results.json\n`,
        outDir,
        timeoutMs: VM_TIMEOUT,
      });
      const file = join(outDir, 'results.json');
      if (existsSync(file)) results = new Map((JSON.parse(readFileSync(file, 'utf8')) as CheckResult[]).map((r) => [r.name, r]));
    } catch (e) {
      bootError = e;
    }
  }, { timeout: VM_TIMEOUT + 30_000 });

  after(() => {
    killVms();
    rmSync(outDir, { recursive: true, force: true });
  });

  for (const check of checks) {
    it(check.name, () => {
      if (bootError) throw bootError;
      const r = results.get(check.name);
      const tail = vm ? vm.console.split('\n').slice(-40).join('\n') : '';
      assert.ok(r, `the guest did not report this check (exit ${vm?.exitCode}, ${vm?.ms} ms); console tail:\n${tail}`);
      assert.ok(r.ok, `in the guest: ${r.error}`);
    });
  }

  it('the guest exits 0 within the time budget', () => {
    if (bootError) throw bootError;
    assert.equal(vm?.exitCode, 0, `exit ${vm?.exitCode} after ${vm?.ms} ms; console:\n${vm?.console}`);
  });
});
