import { execFileSync } from 'node:child_process';

/**
 * Waits until a request to the server on `port` sits in the kernel unread (a Recv-Q above 0 on a
 * socket of that port, listening or connected, as `ss` shows it): how a test knows a call is pending
 * on a frozen (SIGSTOP) server before it kills it.
 */
export async function waitForQueuedRequest(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = execFileSync('ss', ['-tanH', `( sport = :${port} )`], { encoding: 'utf8' }).split('\n');
    if (lines.some((line) => Number(line.trim().split(/\s+/)[1]) > 0)) return;
    if (Date.now() > deadline) throw new Error(`no request queued on port ${port} within ${timeoutMs} ms:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
