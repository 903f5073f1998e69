import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeExit, type KernelOutput, PythonKernel } from '../../../src/notebook/pythonKernel';
import { repoRoot, venvPython } from '../../harness/paths';
import { until } from '../../harness/until';

const python = existsSync(venvPython) ? venvPython : 'python3';
const driverDir = join(repoRoot, 'media', 'python');

/**
 * Starts a cell and collects what it writes, each stream chunk with whether the cell had ended when it
 * came. `printed(text)` resolves once the cell's stdout holds `text`, and fails if the cell ends first.
 */
function start(kernel: PythonKernel, code: string) {
  const outputs: KernelOutput[] = [];
  const arrivedWhileRunning: boolean[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  const text = (name: string) =>
    outputs
      .filter((o) => o.type === 'stream' && o.name === name)
      .map((o) => (o as { text: string }).text)
      .join('');
  const done = kernel
    .execute(code, (output) => {
      outputs.push(output);
      arrivedWhileRunning.push(!ended);
      for (const listener of listeners) listener();
    })
    .then((end) => {
      ended = true;
      return { end, outputs, arrivedWhileRunning, stdout: text('stdout'), stderr: text('stderr') };
    });
  const printed = (wanted: string) =>
    within(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!text('stdout').includes(wanted)) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
        done.then(
          (result) => reject(new Error(`the cell ended without printing ${JSON.stringify(wanted)}: ${JSON.stringify(result.stdout)}`)),
          reject,
        );
      }),
      `the cell to print ${JSON.stringify(wanted)}`,
    );
  return { done, printed };
}

/** Runs a cell to its end (see start). */
const run = (kernel: PythonKernel, code: string) => start(kernel, code).done;

/** `promise`, or a failure naming `what` if it has not settled within `timeoutMs`. */
async function within<T>(promise: Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${what}`)), timeoutMs)),
  );
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the process's main thread is asleep in the kernel (state S in /proc: time.sleep, not running
 * Python). A cell that printed has not necessarily reached the sleep after its print: a SIGINT sent
 * then lands in print()'s own code, on the print's line.
 */
const mainThreadSleeps = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'S';
  } catch {
    return false;
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('PythonKernel: one Python process per notebook (real Python)', () => {
  const kernels: PythonKernel[] = [];
  const newKernel = (env?: NodeJS.ProcessEnv) => {
    const kernel = new PythonKernel({ python, driverDir, env, memorySampleMs: 100 });
    kernels.push(kernel);
    return kernel;
  };
  after(() => kernels.forEach((k) => k.dispose()));

  it("keeps names between cells and shows the last expression's value", async () => {
    const kernel = newKernel();
    assert.deepEqual((await run(kernel, 'x = 41\ndef twice(v):\n    return 2 * v')).end, { status: 'ok' });
    const second = await run(kernel, 'x += 1\ntwice(x)');
    assert.deepEqual(second.end, { status: 'ok' });
    assert.deepEqual(second.outputs, [{ type: 'result', data: { 'text/plain': '84' }, metadata: {} }]);
    // A statement last (or None) shows nothing.
    assert.deepEqual((await run(kernel, 'y = x\nNone')).outputs, []);
    assert.match(kernel.pythonVersion ?? '', /^3\.\d+\.\d+$/);
  });

  it('streams stdout and stderr in the order written, while the cell still runs', async () => {
    const kernel = newKernel();
    const result = await run(
      kernel,
      'import sys, time\nprint("one")\nprint("two", file=sys.stderr)\nsys.stdout.write("three\\n")\ntime.sleep(0.5)\nprint("four")',
    );
    assert.equal(result.stdout, 'one\nthree\nfour\n');
    assert.equal(result.stderr, 'two\n');
    const order = result.outputs.map((o) => (o.type === 'stream' ? o.text : '')).join('');
    assert.equal(order, 'one\ntwo\nthree\nfour\n');
    assert.ok(result.arrivedWhileRunning.every(Boolean));
    // Output from C code or a subprocess (file descriptors 1 and 2) reaches the cell as stderr, never the protocol.
    const low = await run(kernel, 'import os\nos.write(1, b"fd1\\n")\nos.system("echo from-shell")\nprint("after")');
    assert.deepEqual(low.end, { status: 'ok' });
    assert.equal(low.stdout, 'after\n');
    assert.match(low.stderr, /fd1\n[\s\S]*from-shell\n/);
    // Written at the very end of a cell, it still reaches that cell (the kernel fences the stream), time after time.
    for (let cell = 0; cell < 10; cell++) {
      const last = await run(kernel, `import os\nos.write(2, b"late ${cell}\\n")`);
      assert.equal(last.stderr, `late ${cell}\n`, `cell ${cell}`);
    }
  });

  it('shows display() outputs and rich values: HTML, Markdown, JSON, PNG', async () => {
    const kernel = newKernel();
    const png = 'iVBORw0KGgo=';
    const result = await run(
      kernel,
      `import base64
from phi3_display import HTML, Markdown, JSON, Image
display(HTML("<b>bold</b>"), Markdown("**md**"))
display(JSON({"a": [1, 2]}))
display(Image(base64.b64decode("${png}")))
class Card:
    def _repr_html_(self):
        return "<div>card</div>"
    def __repr__(self):
        return "Card()"
Card()`,
    );
    assert.deepEqual(result.end, { status: 'ok' });
    assert.deepEqual(result.outputs, [
      { type: 'display', data: { 'text/html': '<b>bold</b>', 'text/plain': '<HTML object>' }, metadata: {} },
      { type: 'display', data: { 'text/markdown': '**md**', 'text/plain': '<Markdown object>' }, metadata: {} },
      { type: 'display', data: { 'application/json': { a: [1, 2] }, 'text/plain': '<JSON object>' }, metadata: {} },
      { type: 'display', data: { 'image/png': png, 'text/plain': '<Image object>' }, metadata: {} },
      { type: 'result', data: { 'text/html': '<div>card</div>', 'text/plain': 'Card()' }, metadata: {} },
    ]);
  });

  it("reports an error with the traceback of the cell's lines, and a syntax error", async () => {
    const kernel = newKernel();
    const result = await run(kernel, 'def f():\n    return 1 / 0\nprint("before")\nf()');
    assert.deepEqual(result.end, { status: 'error' });
    assert.equal(result.stdout, 'before\n');
    const error = result.outputs.find((o) => o.type === 'error') as Extract<KernelOutput, { type: 'error' }>;
    assert.deepEqual([error.ename, error.evalue], ['ZeroDivisionError', 'division by zero']);
    assert.equal(error.traceback[0], 'Traceback (most recent call last):');
    assert.match(error.traceback[1]!, /File "<cell-1>", line 4, in <module>\n {4}f\(\)/);
    assert.match(error.traceback[2]!, /File "<cell-1>", line 2, in f\n {4}return 1 \/ 0/);
    assert.equal(error.traceback.at(-1), 'ZeroDivisionError: division by zero');
    const syntax = await run(kernel, 'x = (');
    assert.deepEqual(syntax.end, { status: 'error' });
    assert.equal((syntax.outputs[0] as { ename: string }).ename, 'SyntaxError');
    // The process survives both: SystemExit too.
    assert.deepEqual((await run(kernel, 'raise SystemExit(3)')).end, { status: 'error' });
    assert.deepEqual((await run(kernel, 'print("alive")')).stdout, 'alive\n');
  });

  it('interrupts time.sleep with KeyboardInterrupt and keeps the namespace', async () => {
    const kernel = newKernel();
    await run(kernel, 'kept = "yes"');
    const running = start(kernel, 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)');
    await running.printed('sleeping\n');
    await until('the cell to sleep', () => mainThreadSleeps(kernel.pid!), 20_000, 10);
    assert.equal(await kernel.interrupt(5000), true);
    const result = await running.done;
    assert.deepEqual(result.end, { status: 'interrupted' });
    const error = result.outputs.at(-1) as Extract<KernelOutput, { type: 'error' }>;
    assert.equal(error.ename, 'KeyboardInterrupt');
    assert.match(error.traceback.join('\n'), /line 3, in <module>\n {4}time\.sleep\(60\)/);
    assert.equal((await run(kernel, 'print(kept)')).stdout, 'yes\n');
    // Interrupting an idle kernel is harmless.
    assert.equal(await kernel.interrupt(1000), true);
    assert.equal((await run(kernel, 'print(kept)')).stdout, 'yes\n');
  });

  it('says when a cell ignores the interrupt; a restart ends it, drops queued cells and starts clean', async () => {
    const kernel = newKernel();
    await run(kernel, 'kept = 1');
    const stubborn = start(
      kernel,
      'import time\nprint("start", flush=True)\nwhile True:\n    try:\n        time.sleep(30)\n    except KeyboardInterrupt:\n        print("ignored")',
    );
    const queued = run(kernel, 'print("queued")');
    // Interrupted before its try (still in the print), the cell would end at once.
    await stubborn.printed('start\n');
    await until('the cell to sleep', () => mainThreadSleeps(kernel.pid!), 20_000, 10);
    const pid = kernel.pid!;
    assert.equal(await kernel.interrupt(700), false);
    await kernel.restart();
    const result = await stubborn.done;
    assert.deepEqual(result.end, { status: 'cancelled', message: 'The Python process was restarted while this cell ran.' });
    assert.match(result.stdout, /^start\nignored\n/);
    assert.deepEqual((await queued).end, {
      status: 'cancelled',
      message: "Not run: the Python process was restarted (or ended) before this cell's turn.",
    });
    assert.equal(alive(pid), false);
    const fresh = await run(kernel, 'print("kept" in globals())');
    assert.equal(fresh.stdout, 'False\n');
    assert.notEqual(kernel.pid, pid);
  });

  it('detects a process killed by SIGKILL: most likely out of memory, with the memory it had reached', async () => {
    const kernel = newKernel();
    const running = start(kernel, 'import time\nblock = b"x" * (300 * 1024 * 1024)\nprint("allocated", flush=True)\ntime.sleep(60)');
    const queued = run(kernel, 'print("after")');
    // Wait until the process holds the block, then until the kernel's memory sampler has seen it.
    await running.printed('allocated\n');
    await until('a memory sample with the block', () => (kernel.peakRssBytes ?? 0) >= 300 * 1024 * 1024, 20_000, 10);
    const pid = kernel.pid!;
    process.kill(pid, 'SIGKILL');
    const result = await running.done;
    assert.equal(result.end.status, 'died');
    const message = 'message' in result.end ? result.end.message : '';
    const reached =
      /^The Python process was killed \(SIGKILL\), most likely because the machine ran out of memory \(it had reached (\d+) MiB of memory\)\. The next run starts a new Python process: names defined before are gone\.$/.exec(
        message,
      );
    assert.ok(reached, message);
    assert.ok(Number(reached[1]) >= 300 && Number(reached[1]) < 1000, message);
    assert.equal((await queued).end.status, 'cancelled');
    // The next run starts a new process.
    assert.equal((await run(kernel, 'print("again")')).stdout, 'again\n');
    assert.notEqual(kernel.pid, pid);
  });

  it('a process that closed its stdin ends the next cell as died, without an uncaught EPIPE', async () => {
    const kernel = newKernel();
    assert.equal((await run(kernel, 'import os\nos.close(0)\nprint("closed")')).stdout, 'closed\n');
    const pid = kernel.pid!;
    // Big enough that the write cannot sit in the pipe's buffer: it fails with EPIPE at once.
    const result = await run(kernel, `x = "${'y'.repeat(1 << 20)}"`);
    assert.equal(result.end.status, 'died');
    assert.equal(alive(pid), false);
    assert.equal((await run(kernel, 'print("again")')).stdout, 'again\n');
  });

  it('leaves no process behind when disposed, including what a cell started', async () => {
    const kernel = newKernel();
    const result = await run(kernel, 'import subprocess\nchild = subprocess.Popen(["sleep", "60"])\nprint(child.pid)');
    const childPid = Number(result.stdout.trim());
    const pid = kernel.pid!;
    assert.ok(alive(pid) && alive(childPid));
    kernel.dispose();
    const deadline = Date.now() + 5000;
    while ((alive(pid) || alive(childPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false);
    assert.equal(alive(childPid), false);
    assert.deepEqual(await kernel.execute('1', () => undefined), { status: 'cancelled', message: 'The notebook was closed.' });
  });

  it('leaves no process behind when the editor dies without disposing it (a crash, a reload)', async () => {
    // A stand-in for the extension host: it starts a kernel, runs a cell, and is then killed outright.
    const kernelModule = join(__dirname, '..', '..', '..', 'src', 'notebook', 'pythonKernel.js');
    const host = spawn(
      process.execPath,
      [
        '-e',
        `
      const { PythonKernel } = require(${JSON.stringify(kernelModule)});
      const kernel = new PythonKernel({ python: ${JSON.stringify(python)}, driverDir: ${JSON.stringify(driverDir)} });
      kernel.execute('import os, subprocess, time\\nchild = subprocess.Popen(["sleep", "60"])\\nprint(os.getpid(), child.pid, flush=True)\\ntime.sleep(60)', (o) => { if (o.type === 'stream') process.stdout.write(o.text); });
    `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let printed = '';
    host.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const deadline = Date.now() + 20_000;
    while (!/^\d+ \d+\n/.test(printed)) {
      if (Date.now() > deadline) throw new Error(`the cell did not start: ${printed}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const [pythonPid, childPid] = printed.trim().split(' ').map(Number) as [number, number];
    host.kill('SIGKILL');
    // The driver notices its parent is gone within about a second, and ends its process group.
    const gone = Date.now() + 10_000;
    while ((alive(pythonPid) || alive(childPid)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(pythonPid), false, 'the Python process outlived the editor');
    assert.equal(alive(childPid), false, 'a process the cell started outlived the editor');
  });

  it('hands the process its environment, and says clearly when the interpreter is missing', async () => {
    const kernel = newKernel({ ...process.env, MLFLOW_TRACKING_URI: 'http://127.0.0.1:5999' });
    assert.equal((await run(kernel, 'import os\nprint(os.environ["MLFLOW_TRACKING_URI"])')).stdout, 'http://127.0.0.1:5999\n');
    const missing = new PythonKernel({ python: '/nonexistent/python3', driverDir });
    assert.deepEqual(await missing.execute('1', () => undefined), {
      status: 'failedToStart',
      message:
        'Could not start Python: the interpreter "/nonexistent/python3" was not found. Set "phi3Mlflow.pythonPath" to a Python 3 interpreter.',
    });
    assert.equal(describeExit(null, 'SIGSEGV', 0, undefined, 'python3'), 'The Python process was ended by SIGSEGV.');
  });
});
