"""What the kernel adds around MLflow's log_model in notebook cells.

Before `mlflow.pyfunc.log_model` (and `mlflow.transformers.log_model`) runs, pre-flight checks catch
what makes logging or loading fail later: an ONNX folder among the artifacts without
genai_config.json, Git LFS pointer files where weights should be, a missing artifact path, an input
example that does not fit the signature. Any of them fails the cell with WrapperPreflightError
before MLflow creates anything. After a successful log, the facts of the logged model go to the
extension (`on_logged`), which shows the logged-model card.

The functions are patched when their module is imported (an import hook), so a cell that imports
mlflow and logs in one go is checked too, and `from mlflow.pyfunc import log_model` gets the
checked function. The checks mirror src/mlflow/modelDirectory/onnxFolderProblems.ts and
modelSignature.ts's inputExampleProblems, which do the same for declarative cells.
"""
import functools
import importlib.abc
import importlib.util
import json
import os
import sys

LFS_SIGNATURE = b"version https://git-lfs.github.com/spec/v1"
PATCHED_MODULES = ("mlflow.pyfunc", "mlflow.transformers")


class WrapperPreflightError(Exception):
    """The model would not log or load: log_model was not called."""


# Shown as the cell's own error ("WrapperPreflightError: ..."), not as this module's.
WrapperPreflightError.__module__ = "__main__"


def is_lfs_pointer(path):
    try:
        if os.path.getsize(path) > 1024:
            return False
        with open(path, "rb") as file:
            return file.read(len(LFS_SIGNATURE)) == LFS_SIGNATURE
    except OSError:
        return False


def _files_under(folder):
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            found.append(os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/"))
    return sorted(found)


def _looks_like_onnx_folder(files):
    return any(f == "genai_config.json" or f.endswith(".onnx") or f.endswith(".onnx.data") for f in files)


def onnx_folder_problems(folder):
    """What would make this onnxruntime-genai folder fail once logged; empty when it looks usable."""
    files = _files_under(folder)
    problems = []
    names = set(files)
    if "genai_config.json" not in names:
        nested = sorted(f[: -len("/genai_config.json")] for f in files if f.endswith("/genai_config.json"))
        hint = f" (it is in the subfolder {', '.join(nested)}: use that folder)" if nested else " (build one with python -m onnxruntime_genai.models.builder)"
        problems.append(f"{folder} has no genai_config.json: it is not an onnxruntime-genai model folder{hint}")
    else:
        try:
            with open(os.path.join(folder, "genai_config.json"), encoding="utf-8") as file:
                config = json.load(file)
        except (OSError, ValueError) as error:
            problems.append(f"genai_config.json in {folder} is not valid JSON: {error}")
            config = None
        if config is not None:
            graph = ((config.get("model") or {}).get("decoder") or {}).get("filename") if isinstance(config, dict) else None
            if not isinstance(graph, str):
                problems.append(f"genai_config.json in {folder} names no model.decoder.filename")
            elif graph not in names:
                problems.append(f"genai_config.json names the graph {graph}, which is not in {folder}")
    pointers = [f for f in files if is_lfs_pointer(os.path.join(folder, f))]
    if pointers:
        verb = "is a Git LFS pointer" if len(pointers) == 1 else "are Git LFS pointers"
        problems.append(f"{', '.join(pointers)} in {folder} {verb}, not the real file: run git lfs pull in that repository")
    return problems


def artifact_problems(artifacts):
    """Problems of the local artifacts a pyfunc model is logged with (URIs are left to MLflow)."""
    problems = []
    if not isinstance(artifacts, dict):
        return problems
    for name, location in artifacts.items():
        if not isinstance(location, (str, os.PathLike)):
            continue
        location = os.fspath(location)
        if "://" in location and not location.startswith("file://"):
            continue
        path = location[len("file://"):] if location.startswith("file://") else location
        path = os.path.expanduser(path)
        if not os.path.exists(path):
            problems.append(f'the artifact "{name}" is {path}, which does not exist')
        elif os.path.isdir(path):
            files = _files_under(path)
            if _looks_like_onnx_folder(files) or "onnx" in str(name).lower():
                problems.extend(f'artifact "{name}": {problem}' for problem in onnx_folder_problems(path))
        elif is_lfs_pointer(path):
            problems.append(f'the artifact "{name}" ({path}) is a Git LFS pointer, not the real file: run git lfs pull in that repository')
    return problems


def _describe(value):
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    return f"{type(value).__name__} {value!r}"


def _fits(value, kind):
    if kind == "string":
        return isinstance(value, str)
    if kind in ("long", "integer"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return True  # binary, datetime, arrays and objects: left to MLflow


def _example_columns(example):
    """The input example as {column: value or list of values}, or None when it is not tabular."""
    if isinstance(example, dict):
        return dict(example)
    columns = getattr(example, "columns", None)
    if columns is not None and hasattr(example, "to_dict"):  # a pandas DataFrame
        return {str(c): list(example[c]) for c in columns}
    return None


def _input_columns(signature):
    """[(name, type, required)] of a signature with named scalar columns, else None (tensors, no names)."""
    inputs = getattr(signature, "inputs", None)
    columns = getattr(inputs, "inputs", None)
    if not columns:
        return None
    found = []
    for column in columns:
        name = getattr(column, "name", None)
        kind = getattr(column, "type", None)
        if name is None or kind is None:
            return None
        kind_name = getattr(kind, "name", None) or str(kind)
        found.append((name, str(kind_name), bool(getattr(column, "required", True))))
    return found


def input_example_problems(example, signature):
    """Where the input example does not fit the signature's named inputs, as inputExampleProblems says it."""
    columns = _input_columns(signature)
    values = _example_columns(example)
    if columns is None or values is None:
        return []
    problems = []
    known = {name for name, _, _ in columns}
    for key in values:
        if key not in known:
            problems.append(f'the input example has "{key}", which is not an input of the signature (inputs: {", ".join(n for n, _, _ in columns)})')
    rows = None
    for name, kind, required in columns:
        value = values.get(name)
        if value is None:
            if required:
                problems.append(f'the input example has no "{name}", a required {kind} input of the signature')
            continue
        if isinstance(value, (list, tuple)):
            items = list(value)
            if not items:
                problems.append(f"the input example's \"{name}\" is an empty list")
            if rows is not None and rows != len(items):
                problems.append(f"the input example's lists differ in length (\"{name}\" has {len(items)} values, an earlier input {rows})")
            rows = len(items) if rows is None else rows
        else:
            items = [value]
        wrong = next((item for item in items if not _fits(item, kind)), _MISSING)
        if wrong is not _MISSING:
            article = "an" if kind == "integer" else "a"
            problems.append(f"the input example's \"{name}\" should be {article} {kind}, not {_describe(wrong)}")
    return problems


_MISSING = object()


def preflight_problems(kwargs):
    problems = artifact_problems(kwargs.get("artifacts"))
    if kwargs.get("input_example") is not None and kwargs.get("signature") is not None:
        problems.extend(input_example_problems(kwargs["input_example"], kwargs["signature"]))
    return problems


def logged_model_facts(info, kwargs):
    """What the card shows (and its actions need) about a logged model, from MLflow's ModelInfo."""
    facts = {"model_uri": info.model_uri, "run_id": getattr(info, "run_id", None) or ""}
    for attribute in ("model_id", "artifact_path", "flavors"):
        value = getattr(info, attribute, None)
        if value:
            facts[attribute] = list(value) if attribute == "flavors" else value
    try:
        import mlflow

        facts["mlflow_version"] = mlflow.__version__
        facts["tracking_uri"] = mlflow.get_tracking_uri()
        run = mlflow.get_run(facts["run_id"]) if facts["run_id"] else None
        if run is not None:
            facts["experiment_id"] = run.info.experiment_id
            facts["artifact_uri"] = f"{run.info.artifact_uri}/{facts.get('artifact_path', '')}".rstrip("/")
            experiment = mlflow.get_experiment(run.info.experiment_id)
            facts["experiment"] = experiment.name if experiment else ""
    except Exception:  # the card is a bonus: the model is logged either way
        pass
    signature = getattr(info, "signature", None)
    if signature is not None:
        try:
            facts["signature"] = signature.to_dict()
        except Exception:
            pass
    version = getattr(info, "registered_model_version", None)
    name = kwargs.get("registered_model_name")
    if version is not None and name:
        facts["registered_model"] = {"name": name, "version": str(version), "aliases": []}
    artifacts = kwargs.get("artifacts")
    if isinstance(artifacts, dict):
        for location in artifacts.values():
            if isinstance(location, (str, os.PathLike)) and os.path.isfile(os.path.join(os.fspath(location), "genai_config.json")):
                facts["onnx_folder"] = os.path.abspath(os.fspath(location))
                break
    return facts


def _checked(log_model, on_logged):
    @functools.wraps(log_model)
    def checked_log_model(*args, **kwargs):
        problems = preflight_problems(kwargs)
        if problems:
            raise WrapperPreflightError(
                "The model was not logged: fix these first (MLflow would fail on them later):\n" + "\n".join(f"- {p}" for p in problems)
            )
        info = log_model(*args, **kwargs)
        if info is not None and getattr(info, "model_uri", None):
            try:
                on_logged(logged_model_facts(info, kwargs))
            except Exception:
                pass
        return info

    checked_log_model.__phi3_checked__ = True
    return checked_log_model


def patch(module, on_logged):
    original = getattr(module, "log_model", None)
    if original is not None and not getattr(original, "__phi3_checked__", False):
        module.log_model = _checked(original, on_logged)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def __init__(self, on_logged):
        self.on_logged = on_logged

    def find_spec(self, fullname, path, target=None):
        if fullname not in PATCHED_MODULES:
            return None
        # Find the real spec with this finder out of the way, then patch once the module has run.
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        # The module's own loader stays (resource readers and all): only its exec_module is wrapped.
        loader = spec.loader
        run_module = loader.exec_module
        on_logged = self.on_logged

        def exec_module(module):
            run_module(module)
            patch(module, on_logged)

        loader.exec_module = exec_module
        return spec


def install(on_logged):
    """Checks every log_model of the patched modules from now on: imported already, or imported later."""
    for name in PATCHED_MODULES:
        if name in sys.modules:
            patch(sys.modules[name], on_logged)
    sys.meta_path.insert(0, _PatchOnImport(on_logged))
