/** The extension's log as code-server writes it: its LogOutputChannel's file under the user data folder's logs/. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function logFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    try {
      return statSync(path).isDirectory() ? logFiles(path) : name.endsWith('.log') ? [path] : [];
    } catch {
      return [];
    }
  });
}

/** Waits until a log file under `logsDir` (code-server's `<user-data-dir>/logs`) holds `line`. */
export async function waitForLogLine(logsDir: string, line: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (logFiles(logsDir).some((file) => readFileSync(file, 'utf8').includes(line))) return;
    if (Date.now() > deadline) throw new Error(`no log under ${logsDir} has the line: ${line}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
