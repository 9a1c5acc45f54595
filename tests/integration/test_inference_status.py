"""`torii validate` on inference extension manifests: InferencePool parents[] per Gateway,
InferenceObjective / InferenceModelRewrite / InferenceModel conditions, and the shared corpus
(GIE samples, conformance base and tests) decoding without errors.

The corpus lives beside the repository (../shared); these tests skip when it is absent.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import require_binary, torii_path

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP_REASON = "shared/conformance/inference/manifests not found (set TORII_SHARED_DIR)"


def manifests_dir():
    root = os.environ.get("TORII_SHARED_DIR") or os.path.join(HERE, "..", "..", "..", "shared")
    d = os.path.normpath(os.path.join(root, "conformance", "inference", "manifests"))
    return d if os.path.isdir(d) else None


def validate(directory):
    require_binary(torii_path())
    return subprocess.run([torii_path(), "validate", "--config", directory],
                          capture_output=True, text=True, timeout=30)


def items(stdout):
    """{(kind, name): item text} from the YAML List `torii validate` prints (standard library
    only: items are split on their indentation)."""
    out = {}
    for chunk in stdout.split("\n  - apiVersion: ")[1:]:
        kind = re.search(r"^    kind: (\S+)", chunk, re.M).group(1)
        name = re.search(r"^      name: (\S+)", chunk, re.M).group(1)
        out.setdefault((kind, name), []).append(chunk)
    return {k: "\n".join(v) for k, v in out.items()}


def parents(item):
    """[(gateway namespace/name, text of that parent entry)] of a pool or route item."""
    out = []
    for entry in item.split("\n        - parentRef:")[1:]:
        ns = re.search(r"^            namespace: (\S+)", entry, re.M).group(1)
        name = re.search(r"^            name: (\S+)", entry, re.M).group(1)
        out.append((f"{ns}/{name}", entry))
    return out


GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: torii}
spec: {controllerName: torii.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: inference-gateway}
spec:
  gatewayClassName: torii
  addresses: [{type: IPAddress, value: 127.0.0.1}]
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: qwen-route}
spec:
  parentRefs: [{name: inference-gateway}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1}}]
    backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: vllm-qwen3-32b}]
"""


def pods(namespace, app, count, first_ip):
    docs = []
    for i in range(count):
        docs.append(f"""---
apiVersion: v1
kind: Pod
metadata: {{name: {app}-{i}, namespace: {namespace}, labels: {{app: {app}}}}}
status: {{phase: Running, podIP: 10.0.{first_ip}.{i + 1}}}
""")
    return "".join(docs)


class InferenceValidateTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="torii-it-inference-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def test_samples_print_pool_parent_conditions(self):
        src = manifests_dir()
        if not src:
            self.skipTest(SKIP_REASON)
        for f in glob.glob(os.path.join(src, "samples", "*.yaml")):
            shutil.copy(f, self.dir)
        self.write("zz-gateway.yaml", GATEWAY + pods("default", "vllm-qwen3-32b", 2, 1))
        out = validate(self.dir)
        # The samples name pools that do not exist (and an EPP Service that does not): exit 1.
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertNotIn("\nerrors:", out.stdout)  # every sample decodes
        it = items(out.stdout)
        pool = it[("InferencePool", "vllm-qwen3-32b")]
        self.assertIn("apiVersion: inference.networking.k8s.io/v1", "apiVersion: " + pool)
        [(gw, entry)] = parents(pool)
        self.assertEqual(gw, "default/inference-gateway")
        self.assertIn("kind: Gateway", entry)
        self.assertIn("controllerName: torii.dev/gateway-controller", entry)
        self.assertRegex(entry,
                         r"type: Accepted\n\s+status: \"True\"\n\s+reason: SupportedByParent")
        self.assertIn("built-in endpoint picker", entry)
        self.assertRegex(
            entry, r"type: ResolvedRefs\n\s+status: \"False\"\n\s+reason: InvalidExtensionRef")
        for name in ("small-segment-lora", "base-model", "base-model-cpu"):
            self.assertIn("reason: Accepted", it[("InferenceObjective", name)])
        self.assertIn("reason: Accepted",
                      it[("InferenceModelRewrite", "small-segment-lora-rewrite")])
        model = it[("InferenceModel", "food-review")]
        self.assertIn("reason: PoolNotFound", model)
        self.assertIn("vllm-llama3-8b-instruct", model)
        self.assertIn("reason: BackendNotFound", it[("HTTPRoute", "routes-to-llms")])
        self.assertIn("reason: ResolvedRefs", it[("HTTPRoute", "qwen-route")])

    def test_conformance_manifests(self):
        src = manifests_dir()
        if not src:
            self.skipTest(SKIP_REASON)
        with open(os.path.join(src, "conformance-base.yaml")) as f:
            self.write("base.yaml", f.read().replace("{GATEWAY_CLASS_NAME}", "torii"))
        for f in glob.glob(os.path.join(src, "conformance-tests", "*.yaml")):
            shutil.copy(f, self.dir)
        ns = "inference-conformance-app-backend"
        self.write("zz-extra.yaml", GATEWAY.split("---")[0] +
                   pods(ns, "primary-inference-model-server", 3, 1) +
                   pods(ns, "secondary-inference-model-server", 3, 2))
        out = validate(self.dir)
        self.assertNotIn("\nerrors:", out.stdout)
        it = items(out.stdout)
        primary = dict(parents(it[("InferencePool", "primary-inference-pool")]))
        self.assertEqual(sorted(primary), ["inference-conformance-infra/conformance-primary",
                                           "inference-conformance-infra/conformance-secondary"])
        for entry in primary.values():
            self.assertRegex(entry, r"type: Accepted\n\s+status: \"True\"")
            self.assertRegex(entry, r"type: ResolvedRefs\n\s+status: \"True\"")
        [(_, bad)] = parents(it[("InferencePool", "pool-with-invalid-epp")])
        self.assertRegex(
            bad, r"type: ResolvedRefs\n\s+status: \"False\"\n\s+reason: InvalidExtensionRef")
        [(_, missing)] = parents(it[("InferencePool", "pool-with-missing-epp-ref")])
        self.assertRegex(missing, r"type: Accepted\n\s+status: \"True\"")
        route = it[("HTTPRoute", "httproute-to-non-existent-pool")]
        self.assertRegex(route, r"type: Accepted\n\s+status: \"True\"")
        self.assertRegex(
            route, r"type: ResolvedRefs\n\s+status: \"False\"\n\s+reason: BackendNotFound")
        # Routed to from the primary Gateway only.
        self.assertEqual([gw for gw, _ in parents(it[("InferencePool", "dp-inference-pool")])],
                         ["inference-conformance-infra/conformance-primary"])

    def test_valid_pool_exits_0(self):
        self.write("config.yaml", GATEWAY + """---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: vllm-qwen3-32b
  annotations: {torii.dev/endpoint-picker: least-request}
spec:
  selector: {matchLabels: {app: vllm-qwen3-32b}}
  targetPorts: [{number: 8000}]
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: interactive}
spec: {priority: 1, poolRef: {name: vllm-qwen3-32b}}
""" + pods("default", "vllm-qwen3-32b", 2, 1))
        out = validate(self.dir)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("# ok", out.stdout)
        self.assertIn("(least-request)", items(out.stdout)[("InferencePool", "vllm-qwen3-32b")])
        self.assertIn("1 clusters", out.stdout)

    def test_invalid_annotation_and_missing_objective_pool(self):
        self.write("config.yaml", GATEWAY + """---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: vllm-qwen3-32b
  annotations: {torii.dev/max-body-bytes: lots}
spec:
  selector: {matchLabels: {app: vllm-qwen3-32b}}
  targetPorts: [{number: 8000}]
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: orphan}
spec: {poolRef: {name: nowhere}}
""")
        out = validate(self.dir)
        self.assertEqual(out.returncode, 1, out.stdout)  # the objective is not Accepted
        it = items(out.stdout)
        [(_, entry)] = parents(it[("InferencePool", "vllm-qwen3-32b")])
        self.assertRegex(entry, r"type: Accepted\n\s+status: \"True\"")
        self.assertIn("torii.dev/max-body-bytes", entry)
        orphan = it[("InferenceObjective", "orphan")]
        self.assertRegex(orphan, r"status: \"False\"\n\s+reason: PoolNotFound")
        self.assertIn("nowhere", orphan)


if __name__ == "__main__":
    unittest.main()
