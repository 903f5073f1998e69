import { createWriteStream } from 'node:fs';

/** Writes `mib` MiB, 1 MiB at a time (each block a different byte), without holding it in memory. */
export async function writeLargeFile(path: string, mib: number): Promise<string> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) {
    block.fill(i % 251);
    if (!out.write(block)) await new Promise((r) => out.once('drain', () => r(undefined)));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}
