import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CellExecutionQueue, type QueuedCell } from '../../../src/notebook/cellExecutionQueue';

/** A cell whose run the test ends (finish), recording what the queue did with it in `events`. */
function cell(key: string, events: string[]): QueuedCell & { finish(succeeded: boolean): void; started: Promise<void> } {
  let finish!: (succeeded: boolean) => void;
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = new Promise<boolean>((resolve) => (finish = resolve));
  return {
    key,
    started,
    finish: (succeeded) => finish(succeeded),
    run: async () => {
      events.push(`run ${key}`);
      markStarted();
      const succeeded = await ended;
      events.push(`${succeeded ? 'succeeded' : 'failed'} ${key}`);
      return succeeded;
    },
    notRun: () => events.push(`not run ${key}`),
  };
}

describe("CellExecutionQueue: one notebook's cells, in order, stopping at a failure", () => {
  it('runs a batch one cell at a time, in order', async () => {
    const events: string[] = [];
    const queue = new CellExecutionQueue();
    const [a, b] = [cell('a', events), cell('b', events)];
    const done = queue.queue([a, b]);
    await a.started;
    assert.deepEqual(events, ['run a']);
    assert.ok(queue.has('a') && queue.has('b'));
    a.finish(true);
    await b.started;
    b.finish(true);
    await done;
    assert.deepEqual(events, ['run a', 'succeeded a', 'run b', 'succeeded b']);
    assert.ok(!queue.has('a') && !queue.has('b'));
  });

  it('ends the cells after a failed one as not run, and the next batch runs again', async () => {
    const events: string[] = [];
    const queue = new CellExecutionQueue();
    const [a, b, c] = [cell('a', events), cell('b', events), cell('c', events)];
    const done = queue.queue([a, b, c]);
    await a.started;
    a.finish(true);
    await b.started;
    b.finish(false);
    await done;
    assert.deepEqual(events, ['run a', 'succeeded a', 'run b', 'failed b', 'not run c']);
    const d = cell('d', events);
    const again = queue.queue([d]);
    await d.started;
    d.finish(true);
    await again;
    assert.deepEqual(events.slice(5), ['run d', 'succeeded d']);
  });

  it("appends a batch queued while another runs, and a failure ends both batches' waiting cells", async () => {
    const events: string[] = [];
    const queue = new CellExecutionQueue();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((key) => cell(key, events)) as [
      ReturnType<typeof cell>,
      ReturnType<typeof cell>,
      ReturnType<typeof cell>,
      ReturnType<typeof cell>,
    ];
    const first = queue.queue([a, b]);
    await a.started;
    const second = queue.queue([c]);
    a.finish(true);
    await b.started;
    b.finish(true);
    await first;
    await c.started;
    c.finish(true);
    await second;
    assert.deepEqual(events, ['run a', 'succeeded a', 'run b', 'succeeded b', 'run c', 'succeeded c']);

    events.length = 0;
    const [e, f] = [cell('e', events), cell('f', events)];
    const third = queue.queue([e, f]);
    await e.started;
    const fourth = queue.queue([d]);
    e.finish(false);
    await Promise.all([third, fourth]);
    assert.deepEqual(events, ['run e', 'failed e', 'not run f', 'not run d']);
  });

  it('cancel ends the waiting cells at once; the running one ends by itself', async () => {
    const events: string[] = [];
    const queue = new CellExecutionQueue();
    const [a, b, c] = [cell('a', events), cell('b', events), cell('c', events)];
    const done = queue.queue([a, b, c]);
    await a.started;
    queue.cancel();
    assert.deepEqual(events, ['run a', 'not run b', 'not run c']);
    assert.ok(queue.has('a') && !queue.has('b'));
    a.finish(false);
    await done;
    assert.deepEqual(events, ['run a', 'not run b', 'not run c', 'failed a']);
  });

  it('counts a run that throws as failed', async () => {
    const events: string[] = [];
    const queue = new CellExecutionQueue();
    const b = cell('b', events);
    await queue.queue([{ key: 'a', run: () => Promise.reject(new Error('boom')), notRun: () => events.push('not run a') }, b]);
    assert.deepEqual(events, ['not run b']);
  });
});
