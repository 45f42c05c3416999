// What create does with a container's spec: built against this host, checked
// as the runtime will check it, and the files it points at made: the name
// files in the container's directory and the workdir in its root.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spec } from '../../oci/spec.ts';
import { validateSpec } from '../../oci/validate.ts';
import { type BuildInput, buildSpec, hostnameOf } from './build.ts';
import { etcContents, writeEtcFiles } from './etc-files.ts';
import { readHostFacts } from './host.ts';
import { makeWorkdir } from './workdir.ts';

export type PrepareInput = Omit<BuildInput, 'host'> & Partial<Pick<BuildInput, 'host'>>;

/** Builds, validates and writes the bundle's config.json; returns the spec. The file is
 * the text that was validated, compact: with the default seccomp profile in it a spec is
 * ~60 KB, and every JSON pass over it costs a CLI run. */
export function prepareSpec(input: PrepareInput): Spec {
  const host = input.host ?? readHostFacts();
  const full: BuildInput = { ...input, host };
  const text = JSON.stringify(buildSpec(full));
  const spec = validateSpec(JSON.parse(text));
  writeEtcFiles(input.containerDir, etcContents({ hostname: hostnameOf(full), network: input.config.network ?? 'none' }, host));
  makeWorkdir(input.rootfs, spec.process!.cwd);
  writeFileSync(join(input.containerDir, 'config.json'), text);
  return spec;
}
