// berth rename: the name checked and moved in one transaction, so two
// renames (or a create) racing for a name cannot both get it.

import type { EngineContext } from '../context.ts';
import { ConflictError, InvalidArgumentError } from '../errors.ts';
import { tx } from '../store/db.ts';
import type { ContainerRow } from '../store/containers.ts';
import { checkName } from './names.ts';

export function renameContainer(ctx: EngineContext, row: ContainerRow, newName: string): void {
  let name: string;
  try {
    name = checkName(newName);
  } catch {
    throw new InvalidArgumentError('NEW_NAME', `"${newName}" is not a valid container name: use [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters`);
  }
  tx(ctx.db, () => {
    const now = ctx.db.prepare('SELECT name FROM containers WHERE id = ?').get(row.id) as { name: string } | undefined;
    if (!now) throw new ConflictError(`container ${row.name} was removed meanwhile`);
    if (now.name === name) throw new ConflictError(`container ${row.name} is already named "${name}"`);
    const taken = ctx.db.prepare('SELECT id FROM containers WHERE name = ?').get(name) as { id: string } | undefined;
    if (taken) throw new ConflictError(`the container name "/${name}" is already in use by container "${taken.id}": remove (or rename) that container to reuse the name`);
    ctx.db.prepare("UPDATE containers SET name = ?, config = json_set(config, '$.name', ?) WHERE id = ?").run(name, name, row.id);
    ctx.events.add('container', 'rename', row.id, { name, oldName: now.name });
  });
}
