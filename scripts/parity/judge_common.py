"""Shared helpers of the judge parity scripts: fetch the reference packages'
source from PyPI (pip download --no-deps, nothing installed), load a module
file from it, and run wildstat-judge's judge_dump example."""
import ast, glob, importlib.util, json, os, subprocess, sys, tempfile, types, zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared")


def wheel(spec, cache=os.path.join(tempfile.gettempdir(), "wildstat-judge-ref")):
    """Unpacked wheel directory of the PyPI package `spec` (e.g. alpaca-eval==0.6.6)."""
    os.makedirs(cache, exist_ok=True)
    name = spec.split("==")[0].replace("-", "_")
    found = glob.glob(os.path.join(cache, f"{name}-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", cache, spec], check=True)
        found = glob.glob(os.path.join(cache, f"{name}-*.whl"))
    out = found[0][:-4]
    if not os.path.isdir(out):
        zipfile.ZipFile(found[0]).extractall(out)
    return out


def load_module(name, path, extra_modules=None):
    """Import the file `path` as module `name` (with stub modules registered first)."""
    for mod_name, mod in (extra_modules or {}).items():
        sys.modules[mod_name] = mod
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def function_module(name, path, functions, preamble="import numpy as np\n"):
    """A module holding only the named top-level functions of the file `path`
    (their source as published), for packages whose modules import far more."""
    tree = ast.parse(open(path).read())
    src = preamble + "\n".join(ast.get_source_segment(open(path).read(), n)
                               for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in functions)
    mod = types.ModuleType(name)
    exec(src, mod.__dict__)
    return mod


def dump(*args):
    """JSON lines (or one JSON document) printed by the judge_dump example."""
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "wildstat-judge", "--example", "judge_dump"],
                   cwd=ROOT, check=True)
    out = subprocess.run([os.path.join(ROOT, "target", "release", "examples", "judge_dump"), *args],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]
