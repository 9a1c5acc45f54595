"""Loading the conformance corpus (cases.json + manifests) and preparing a test's objects.

A test's objects are the documents of its manifest files with the placeholders substituted.
Each document keeps its original YAML text so that it can be written back verbatim; objects the
runner changes (steps, patched EndpointSlices) are written as JSON instead.
"""

import copy
import json
import os

try:  # PyYAML when present (Debian python3-yaml); otherwise the stdlib-only subset loader.
    import yaml as _pyyaml

    def _load_all(text):
        return [d for d in _pyyaml.safe_load_all(text) if d is not None]
except ImportError:  # pragma: no cover - depends on the interpreter
    _pyyaml = None
    from yamlmini import load_all as _load_all

from yamlmini import split_documents

CONTROLLER_NAME = "torii.dev/gateway-controller"
DEFAULT_CLASS_NAME = "torii"


def load_yaml_documents(text):
    """Every non-empty YAML document of `text` (PyYAML or the bundled loader)."""
    return _load_all(text)


def yaml_backend():
    return "PyYAML" if _pyyaml is not None else "yamlmini"


def obj_key(obj):
    md = obj.get("metadata") or {}
    return (obj.get("kind", ""), md.get("namespace", "") or "", md.get("name", ""))


def key_str(key):
    kind, ns, name = key
    return "%s %s/%s" % (kind, ns, name) if ns else "%s %s" % (kind, name)


class Document:
    """One manifest document: its source text (substituted) and its parsed object."""

    def __init__(self, text, obj, source):
        self.text = text
        self.obj = obj
        self.source = source

    @property
    def key(self):
        return obj_key(self.obj)


class Corpus:
    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "cases.json"), encoding="utf-8") as f:
            self.data = json.load(f)
        self.tests = self.data["tests"]
        self._manifest_cache = {}

    def test(self, name):
        for t in self.tests:
            if t["name"] == name:
                return t
        return None

    def manifest_documents(self, rel, class_name=DEFAULT_CLASS_NAME,
                           controller_name=CONTROLLER_NAME):
        """Documents of one manifest file (relative to the corpus root), placeholders replaced."""
        cache_key = (rel, class_name, controller_name)
        if cache_key not in self._manifest_cache:
            with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                text = f.read()
            text = substitute(text, class_name, controller_name)
            docs = []
            for part in split_documents(text):
                objs = _load_all(part)
                if not objs:
                    continue
                docs.append(Document(part, objs[0], rel))
            self._manifest_cache[cache_key] = docs
        return [Document(d.text, copy.deepcopy(d.obj), d.source)
                for d in self._manifest_cache[cache_key]]

    def test_documents(self, test, class_name=DEFAULT_CLASS_NAME,
                       controller_name=CONTROLLER_NAME):
        docs = []
        for rel in test["manifests"]:
            docs.extend(self.manifest_documents(rel, class_name, controller_name))
        return docs


def substitute(text, class_name=DEFAULT_CLASS_NAME, controller_name=CONTROLLER_NAME):
    return (text.replace("{GATEWAY_CLASS_NAME}", class_name)
            .replace("{GATEWAY_CONTROLLER_NAME}", controller_name))


def gateway_class_object(class_name=DEFAULT_CLASS_NAME, controller_name=CONTROLLER_NAME):
    """The GatewayClass under test: in a cluster it is installed with the implementation."""
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "GatewayClass",
        "metadata": {"name": class_name},
        "spec": {"controllerName": controller_name},
    }


def parse_duration(s, default=None):
    """Go time.ParseDuration subset: '500ms', '1s', '1m30s', '2h'. Returns seconds."""
    if s is None or s == "":
        return default
    if isinstance(s, (int, float)):
        return float(s)
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    total = 0.0
    i = 0
    s = s.strip()
    sign = 1
    if s.startswith("-"):
        sign, s = -1, s[1:]
    if s == "0":
        return 0.0
    while i < len(s):
        j = i
        while j < len(s) and (s[j].isdigit() or s[j] == "."):
            j += 1
        if j == i:
            raise ValueError("bad duration %r" % s)
        num = float(s[i:j])
        k = j
        while k < len(s) and not (s[k].isdigit() or s[k] == "."):
            k += 1
        unit = s[j:k]
        if unit not in units:
            raise ValueError("bad duration unit in %r" % s)
        total += num * units[unit]
        i = k
    return sign * total
