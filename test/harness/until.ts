/**
 * Waits for something another party makes true (a server's answer, an event, a process's state),
 * looking every `pollMs`, and fails saying what it waited for once `timeoutMs` have passed. The
 * timeout is a bound for a hung run, not a guess at how long the work takes.
 */
export async function until(what: string, condition: () => boolean, timeoutMs = 60_000, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolveSoon) => setTimeout(resolveSoon, pollMs));
  }
}
