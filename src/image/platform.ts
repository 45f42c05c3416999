// Platforms (os/architecture/variant) and choosing one from an index, with
// containerd's normalisation (x86_64 is amd64, arm64's default variant is v8).

import type { Platform } from '../oci/image-spec.ts';

const ARCH: Record<string, string> = { x64: 'amd64', x86_64: 'amd64', ia32: '386', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };

export function normalize(p: Platform): Platform {
  const architecture = ARCH[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (architecture === 'arm' && !variant) variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return { os: p.os, architecture, ...(variant ? { variant } : {}) };
}

export function hostPlatform(): Platform {
  return normalize({ os: process.platform === 'win32' ? 'windows' : process.platform, architecture: process.arch });
}

/** "linux/arm64/v8" -> Platform. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new Error(`invalid platform "${s}" (expected os/arch[/variant])`);
  return normalize({ os, architecture, ...(variant ? { variant } : {}) });
}

export function formatPlatform(p: Platform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function matches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  const a = normalize(want);
  const b = normalize(have);
  return a.os === b.os && a.architecture === b.architecture && (a.variant ?? '') === (b.variant ?? '');
}
