/** What the kernel writes to fd 2 once a cell has ended (phi3_kernel.py `_fence`): NUL, tag, cell id, NUL. */
const fenceStart = '\u0000phi3-fence:';
const fenceEnd = '\u0000';

/**
 * Splits the Python process's stderr at the kernel's cell-end fences. That pipe carries what C
 * libraries and subprocesses write (fd 1 and 2), apart from the protocol's pipe, so it can be read
 * after the cell's `done`: the kernel writes a fence there at the end of each cell, and the text
 * before a fence belongs to that cell. A fence cut in two by the pipe is held back until whole.
 */
export class StderrFences {
  private pending = '';

  constructor(
    private readonly onText: (text: string) => void,
    private readonly onFence: (cellId: number) => void,
  ) {}

  push(text: string): void {
    this.pending += text;
    for (;;) {
      const at = this.pending.indexOf(fenceStart);
      if (at < 0) break;
      const end = this.pending.indexOf(fenceEnd, at + fenceStart.length);
      if (end < 0) break;
      if (at > 0) this.onText(this.pending.slice(0, at));
      const cellId = Number(this.pending.slice(at + fenceStart.length, end));
      this.pending = this.pending.slice(end + fenceEnd.length);
      this.onFence(cellId);
    }
    const hold = incompleteFence(this.pending);
    if (this.pending.length > hold) {
      this.onText(this.pending.slice(0, this.pending.length - hold));
      this.pending = this.pending.slice(this.pending.length - hold);
    }
  }
}

/** The length of the fence `text` ends with but does not complete yet (0: none). */
function incompleteFence(text: string): number {
  const at = text.lastIndexOf(fenceStart[0]!);
  if (at < 0) return 0;
  const tail = text.slice(at);
  const open = fenceStart.startsWith(tail) || (tail.startsWith(fenceStart) && /^\d*$/.test(tail.slice(fenceStart.length)));
  return open ? tail.length : 0;
}
