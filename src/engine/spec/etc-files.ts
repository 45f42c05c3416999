// The name files Docker gives every container: /etc/hostname, /etc/hosts and
// /etc/resolv.conf, written in the container's directory and bound over the
// image's (never written into its layers), so they follow the container's
// settings and not the image's. With --network host: the host's hosts and
// resolv.conf; with none: localhost only, and no name server.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mount } from '../../oci/spec.ts';
import type { HostFacts } from './host.ts';

export type EtcName = 'hostname' | 'hosts' | 'resolv.conf';

export const ETC_NAMES: readonly EtcName[] = ['hostname', 'hosts', 'resolv.conf'];

export interface EtcInput {
  hostname: string;
  network: 'none' | 'host';
}

const LOCAL_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export function etcContents(input: EtcInput, host: HostFacts): Record<EtcName, string> {
  const own = input.network !== 'host';
  return {
    hostname: `${input.hostname}\n`,
    hosts: own ? [...LOCAL_HOSTS, `127.0.0.1\t${input.hostname}`, ''].join('\n') : host.etcFile('hosts'),
    'resolv.conf': own ? '# berth: --network none, no name server\n' : host.etcFile('resolv.conf'),
  };
}

/** The binds, for the files the user did not mount something else on. */
export function etcMounts(dir: string, taken: ReadonlySet<string>, readOnly: boolean): Mount[] {
  return ETC_NAMES.filter((n) => !taken.has(`/etc/${n}`)).map((n) => ({
    destination: `/etc/${n}`, type: 'bind', source: join(dir, n), options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'],
  }));
}

export function writeEtcFiles(dir: string, contents: Record<EtcName, string>): void {
  for (const n of ETC_NAMES) writeFileSync(join(dir, n), contents[n], { mode: 0o644 });
}
