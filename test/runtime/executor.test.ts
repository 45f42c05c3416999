// The executor refuses a plan it cannot carry out safely, naming why: an
// unknown op, a step with fewer arguments than it reads, a socket name
// longer than sun_path.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StepError } from '../../src/oci/errors.ts';
import { runExecutor } from '../../src/runtime/executor.ts';
import { Op, type OpCode, type Plan, step } from '../../src/runtime/plan/ops.ts';

const cwd = mkdtempSync(join(tmpdir(), 'runts-executor-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function failure(plan: Plan): Promise<StepError> {
  return runExecutor({ plan, cwd, stdio: ['ignore', 'ignore', 'ignore'] }).then(
    () => assert.fail('the executor accepted the plan'),
    (e) => {
      assert.ok(e instanceof StepError, String(e));
      return e;
    },
  );
}

describe('executor plan checks', () => {
  it('refuses an unknown op and a step short of arguments before doing anything', async () => {
    const unknown = await failure([step(Op.MODE, 'wait'), step(99 as OpCode)]);
    assert.equal(unknown.op, 'plan');
    assert.match(unknown.message, /unknown op 99 \(step 1\)/);
    const short = await failure([step(Op.MODE, 'wait'), step(Op.CLONE_INIT), step(Op.MOUNT, '', '/')]);
    assert.match(short.message, /mount takes at least 6 arguments, got 2 \(step 2\)/);
  });

  it('refuses an exec or hook whose argument count exceeds what the step carries', async () => {
    const exec = await failure([step(Op.MODE, 'wait'), step(Op.CLONE_INIT), step(Op.EXEC, 3, '/bin/true')]);
    assert.equal(exec.op, 'exec');
    assert.match(exec.message, /3 arguments, 1 given/);
    const hook = await failure([step(Op.MODE, 'wait'), step(Op.CLONE_INIT), step(Op.HOOK, '/bin/true', 0, 2, 'true')]);
    assert.equal(hook.op, 'hook');
    assert.match(hook.message, /2 arguments, 1 given/);
  });

  it('refuses a start socket name longer than sun_path', async () => {
    const e = await failure([step(Op.MODE, 'detach'), step(Op.START_SOCKET, 'x'.repeat(120))]);
    assert.equal(e.op, 'start-socket');
    assert.match(e.message, /ENAMETOOLONG/);
    assert.deepEqual(readdirSync(cwd), [], 'a socket under a truncated name was made');
  });
});
