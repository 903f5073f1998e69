import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What this process holds open (Linux, /proc/self/fd): for tests that check a file was let go. */
export function openPaths(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(join('/proc/self/fd', fd))];
    } catch {
      return []; // closed between the listing and the look
    }
  });
}
