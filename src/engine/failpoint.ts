// Test hook: named points in create, start and rm where a berth can be made
// to die as a machine's crash or an OOM kill would take it. With
// BERTH_FAILPOINT=<name> in its environment, a berth reaching that point
// SIGKILLs itself (nothing runs after: no finally, no exit handler), and the
// crash tests prove that the next command repairs the store. Unset, a point
// costs one comparison. The names are listed in docs/engine.md.

const chosen = process.env.BERTH_FAILPOINT;

export function failpoint(name: string): void {
  if (chosen === name) process.kill(process.pid, 'SIGKILL');
}
