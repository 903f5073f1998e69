"""The Python side of a Phi-3 MLflow notebook: runs cells in one persistent namespace.

Protocol: one JSON object per line. In on stdin: {"type": "execute", "id": N, "code": "..."}.
Out on the process's original stdout (kept on a private file descriptor; fd 1 itself is pointed at
stderr so that C libraries and subprocesses writing to it cannot break the protocol):
  {"type": "ready", "python": "3.11.7", "pid": 123, "executable": "..."}
  {"type": "stream", "id": N, "name": "stdout"|"stderr", "text": "..."}     as the cell writes
  {"type": "display", "id": N, "data": {mime: value}, "metadata": {}}        display(obj); a logged model
                                                                            (mlflow log_model) as LOGGED_MODEL_MIME
  {"type": "result", "id": N, "data": {mime: value}, "metadata": {}}         the last expression's value
  {"type": "error", "id": N, "ename": "...", "evalue": "...", "traceback": ["..."]}
  {"type": "done", "id": N, "status": "ok"|"error"|"interrupted"}
Before each "done", fd 2 gets the fence NUL "phi3-fence:" N NUL, after what the cell wrote there.
SIGINT raises KeyboardInterrupt in the running cell. The process exits when its parent does.
"""
import ast
import builtins
import json
import os
import signal
import sys
import threading
import time
import traceback

_protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
os.dup2(2, 1)
_lock = threading.Lock()
_current = {"id": None}


def send(message):
    line = json.dumps(message, ensure_ascii=False, default=str)
    with _lock:
        _protocol.write(line + "\n")
        _protocol.flush()


def _fence(cell_id):
    """Marks the end of a cell's output on fd 2, where C libraries and subprocesses write (fd 1 is
    pointed there too). That is a pipe apart from the protocol's, so the extension could read it after
    the cell's "done"; it attributes what came before the fence to the cell and ends the cell there."""
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    try:
        # C stdio's own buffers (printf from an extension module).
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except Exception:
        pass
    try:
        os.write(2, b"\0phi3-fence:%d\0" % cell_id)
    except OSError:
        pass  # fd 2 closed by the cell: the extension ends the cell without its fence


class CellStream:
    """sys.stdout / sys.stderr while cells run: each write goes out at once, tagged with the cell."""

    def __init__(self, name):
        self.name = name
        self.encoding = "utf-8"
        self.errors = "replace"

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            send({"type": "stream", "id": _current["id"], "name": self.name, "text": text})
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return 2

    def readable(self):
        return False

    def writable(self):
        return True


import phi3_display  # noqa: E402  (after the streams exist: it imports nothing that prints)


def display(*objects, **kwargs):
    for obj in objects:
        data, metadata = phi3_display.mime_bundle(obj)
        send({"type": "display", "id": _current["id"], "data": data, "metadata": metadata})


builtins.display = display

LOGGED_MODEL_MIME = "application/vnd.phi3-mlflow.logged-model+json"


def _on_logged(facts):
    # The extension turns this into the logged-model card (with its actions) in the cell's output.
    text = f"Logged {facts.get('model_uri')} in run {facts.get('run_id')}"
    send({"type": "display", "id": _current["id"], "data": {LOGGED_MODEL_MIME: facts, "text/plain": text}, "metadata": {}})


import phi3_mlflow_hooks  # noqa: E402

phi3_mlflow_hooks.install(_on_logged)


def _watch_parent(parent):
    # VS Code gone (crashed, reloaded): end this process and whatever the cells started in its group.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            try:
                os.killpg(os.getpgrp(), signal.SIGKILL)
            finally:
                os._exit(1)


def _traceback_lines(error, code_name):
    frames = traceback.extract_tb(error.__traceback__)
    # Hide this driver's own frames: the user's cell is where the story starts.
    user = [frame for frame in frames if frame.filename.startswith("<cell-")]
    lines = ["Traceback (most recent call last):\n"] + traceback.format_list(user) if user else []
    return [line.rstrip("\n") for line in lines + traceback.format_exception_only(type(error), error)]


def run_cell(cell_id, code, namespace, count):
    name = f"<cell-{count}>"
    tree = ast.parse(code, filename=name, mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    # The source is registered so tracebacks show the cell's lines.
    import linecache

    linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    exec(compile(tree, name, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, name, "eval"), namespace)
        if value is not None:
            namespace["_"] = value
            data, metadata = phi3_display.mime_bundle(value)
            send({"type": "result", "id": cell_id, "data": data, "metadata": metadata})


def main():
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "display": display}
    sys.stdout = CellStream("stdout")
    sys.stderr = CellStream("stderr")
    send({"type": "ready", "python": ".".join(map(str, sys.version_info[:3])), "pid": os.getpid(), "executable": sys.executable})
    count = 0
    stdin = sys.stdin
    while True:
        try:
            line = stdin.readline()
            if not line:
                break
            request = json.loads(line)
            if request.get("type") != "execute":
                continue
            count += 1
            _current["id"] = request["id"]
            status = "ok"
            try:
                run_cell(request["id"], request["code"], namespace, count)
            except KeyboardInterrupt as error:
                status = "interrupted"
                send({"type": "error", "id": request["id"], "ename": "KeyboardInterrupt", "evalue": "", "traceback": _traceback_lines(error, count)})
            except BaseException as error:  # SystemExit too: a cell cannot end the kernel by accident
                status = "error"
                send({"type": "error", "id": request["id"], "ename": type(error).__name__, "evalue": str(error), "traceback": _traceback_lines(error, count)})
            _fence(request["id"])
            send({"type": "done", "id": request["id"], "status": status})
            _current["id"] = None
        except KeyboardInterrupt:
            # An interrupt between cells (or just after one ended) interrupts nothing.
            continue


if __name__ == "__main__":
    main()
