"""InferencePool routing through Torii's built-in endpoint picker, with torii-llm-sim model servers
on their own loopback addresses (like pods): model rewrite, LoRA and prefix affinity, shedding,
stale metrics, an endpoint dying, SSE streaming, body limits and the picker's metrics."""

import http.client
import json
import os
import signal
import threading
import time
import unittest

from harness import NAMESPACE, Config, Torii, free_port, parse_metrics, wait_until
from test_llm_sim import LlmSim

MODEL = "Qwen/Qwen3-32B"


def sim_hosts(n, base=3):
    return [f"127.0.{base}.{i + 1}" for i in range(n)]


class Sims:
    """n simulators on 127.0.3.1..n, one shared port (the pool's targetPort), POD_NAME sim-i."""

    def __init__(self, n, args=(), per_sim_args=None, base=3, model=MODEL):
        self.port = free_port()
        self.sims = []
        for i, host in enumerate(sim_hosts(n, base)):
            extra = list(args) + list((per_sim_args or {}).get(i, ()))
            self.sims.append(LlmSim(extra, env={"POD_NAME": f"sim-{i}", "POD_NAMESPACE": NAMESPACE},
                                    host=host, port=self.port, model=model))

    def __enter__(self):
        try:
            for s in self.sims:
                s.start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        for s in self.sims:
            if s.proc is not None:
                if s.running():
                    s.close()
                else:
                    s._cleanup()

    def __exit__(self, *exc):
        self.close()
        return False


def pool_config(listen_port, sims, annotations=None, extra=(), pool="pool", path="/"):
    """Gateway + HTTPRoute -> InferencePool selecting the simulators' Pods."""
    cfg = Config().gateway(listen_port)
    for i, s in enumerate(sims.sims):
        cfg.docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"sim-{i}", "namespace": NAMESPACE, "labels": {"app": "sim"}},
            "status": {"podIP": s.host, "phase": "Running"},
        })
    meta = {"name": pool, "namespace": NAMESPACE}
    if annotations:
        meta["annotations"] = dict(annotations)
    cfg.docs.append({
        "apiVersion": "inference.networking.k8s.io/v1", "kind": "InferencePool",
        "metadata": meta,
        "spec": {"selector": {"matchLabels": {"app": "sim"}},
                 "targetPorts": [{"number": sims.port}]},
    })
    cfg.route("llm", [{
        "matches": [{"path": {"type": "PathPrefix", "value": path}}],
        "backendRefs": [{"group": "inference.networking.k8s.io", "kind": "InferencePool",
                         "name": pool}],
    }])
    cfg.docs.extend(extra)
    return cfg


def chat_body(content, model=MODEL, system=None, **extra):
    msgs = []
    if system:
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": content})
    doc = {"model": model, "messages": msgs, "max_tokens": 1}
    doc.update(extra)
    return json.dumps(doc)


def post(port, body, headers=None, path="/v1/chat/completions", timeout=30):
    """POST through Torii; returns (status, headers lower-cased, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Host": "example.com", "Content-Type": "application/json"}
        h.update(headers or {})
        conn.request("POST", path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def metrics(t):
    status, _, body = t.admin_get("/metrics")
    assert status == 200
    return parse_metrics(body.decode())


def wait_scraped(t, n, timeout=5):
    """Until /metrics shows scraped queue gauges for n endpoints."""
    def ok():
        return sum(1 for k in metrics(t) if k.startswith("torii_inference_endpoint_queue{")) >= n
    wait_until(ok, timeout, 0.05, "endpoint metrics scraped")
    time.sleep(0.15)  # the workers get each round on the next publish tick (50 ms)


def long_stream(sim, model, max_tokens=200):
    """Starts a streaming request straight at a simulator and returns its open connection (close
    it to end the request)."""
    conn = http.client.HTTPConnection(sim.host, sim.port, timeout=30)
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hold"}],
                       "max_tokens": max_tokens, "ignore_eos": True, "stream": True})
    conn.request("POST", "/v1/chat/completions", body=body,
                 headers={"Content-Type": "application/json"})
    return conn


class InferenceRoutingTest(unittest.TestCase):

    def test_weighted_model_rewrite_and_metrics(self):
        rewrite = {
            "apiVersion": "llm-d.ai/v1alpha2", "kind": "InferenceModelRewrite",
            "metadata": {"name": "food-review-rollout", "namespace": NAMESPACE},
            "spec": {"poolRef": {"name": "pool"}, "rules": [{
                "matches": [{"model": {"type": "Exact", "value": "food-review"}}],
                "targets": [{"modelRewrite": "food-review-v1", "weight": 70},
                            {"modelRewrite": "food-review-v2", "weight": 30}]}]},
        }
        args = ["--max-loras", "2", "--lora-modules", '{"name":"food-review-v1"}',
                '{"name":"food-review-v2"}']
        with Sims(3, args) as sims:
            port = free_port()
            with Torii(pool_config(port, sims, extra=[rewrite])) as t:
                models = {}
                pods = {}
                for i in range(200):
                    st, h, body = post(port, chat_body(f"question {i}", model="food-review"))
                    self.assertEqual(st, 200, body)
                    m = json.loads(body)["model"]
                    models[m] = models.get(m, 0) + 1
                    pods[h.get("x-inference-pod")] = pods.get(h.get("x-inference-pod"), 0) + 1
                self.assertEqual(set(models), {"food-review-v1", "food-review-v2"}, models)
                # 70 % of 200 within 4.5 sigma (sigma = sqrt(200 * 0.7 * 0.3) = 6.5).
                self.assertLess(abs(models["food-review-v1"] - 140), 30, models)
                # A model the pool does not rewrite goes through unchanged.
                st, _, body = post(port, chat_body("plain"))
                self.assertEqual(st, 200, body)
                self.assertEqual(json.loads(body)["model"], MODEL)
                # The header forces a target.
                st, _, body = post(port, chat_body("forced", model="food-review"),
                                   {"x-llm-d-model-name-rewrite": "food-review-v2"})
                self.assertEqual(st, 200, body)
                self.assertEqual(json.loads(body)["model"], "food-review-v2")
                m = metrics(t)
                served = {k: v for k, v in m.items()
                          if k.startswith("torii_inference_endpoint_requests_total{")}
                self.assertEqual(len(served), 3, served)
                self.assertEqual(sum(served.values()), 202, served)
                self.assertEqual(sum(v for k, v in m.items()
                                     if k.startswith("torii_inference_rq_total")), 202)
                # Every simulator got some of the 200 independent requests.
                self.assertEqual(len(pods), 3, pods)

    def test_routing_by_model_across_pools(self):
        """Two pools serving different models; the route picks the pool by the model name field
        (X-Gateway-Model-Name, as GIE's body-based-routing sample writes it), and the body's
        model reaches a server of that pool."""
        with Sims(2) as llama, Sims(2, base=4, model="qwen") as qwen:
            port = free_port()
            cfg = pool_config(port, llama, pool="llama-pool")
            for i, s in enumerate(qwen.sims):
                cfg.docs.append({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"qwen-{i}", "namespace": NAMESPACE,
                                 "labels": {"app": "qwen"}},
                    "status": {"podIP": s.host, "phase": "Running"},
                })
            cfg.docs.append({
                "apiVersion": "inference.networking.k8s.io/v1", "kind": "InferencePool",
                "metadata": {"name": "qwen-pool", "namespace": NAMESPACE},
                "spec": {"selector": {"matchLabels": {"app": "qwen"}},
                         "targetPorts": [{"number": qwen.port}]},
            })
            cfg.route("by-model", [{
                "matches": [{"headers": [{"name": "X-Gateway-Model-Name", "value": "qwen"}]}],
                "backendRefs": [{"group": "inference.networking.k8s.io",
                                 "kind": "InferencePool", "name": "qwen-pool"}],
            }])
            with Torii(cfg):
                for i in range(10):
                    st, h, body = post(port, chat_body(f"q{i}", model="qwen"),
                                       {"X-Gateway-Model-Name": "qwen"})
                    self.assertEqual(st, 200, body)
                    self.assertEqual(json.loads(body)["model"], "qwen")
                    st, h, body = post(port, chat_body(f"l{i}"))
                    self.assertEqual(st, 200, body)
                    self.assertEqual(json.loads(body)["model"], MODEL)
                # A model a pool does not serve is the model server's 404, passed through.
                st, _, body = post(port, chat_body("x", model="qwen"))
                self.assertEqual(st, 404, body)

    def test_prefix_affinity_across_workers(self):
        with Sims(3, ["--max-model-len", "16384"]) as sims:
            port = free_port()
            with Torii(pool_config(port, sims), workers=2) as t:
                wait_scraped(t, 3)
                first_pod = {}
                for g in range(8):
                    system = f"group {g} " + " ".join(f"w{g}x{k}" for k in range(600))
                    for q in range(5):
                        st, h, body = post(port, chat_body(f"q {q}", system=system))
                        self.assertEqual(st, 200, body)
                        pod = h["x-inference-pod"]
                        first_pod.setdefault(g, pod)
                        self.assertEqual(pod, first_pod[g],
                                         f"group {g} question {q} left its endpoint")
                # Groups spread: with random tie-breaks, 8 groups on one pod is (1/3)^7.
                self.assertGreater(len(set(first_pod.values())), 1, first_pod)

    def test_lora_affinity(self):
        args = ["--max-loras", "1", "--lora-modules", '{"name":"lora-a"}', '{"name":"lora-b"}',
                "--inter-token-latency", "50ms"]
        with Sims(3, args) as sims:
            port = free_port()
            with Torii(pool_config(port, sims)) as t:
                hold = long_stream(sims.sims[1], "lora-a")
                try:
                    def running():
                        m = metrics(t)
                        return any(k.startswith("torii_inference_endpoint_running{") and
                                   "sim-1" in k and v >= 1 for k, v in m.items())
                    wait_until(running, 5, 0.05, "sim-1 running lora-a")
                    time.sleep(0.2)
                    for i in range(6):
                        st, h, body = post(port, chat_body(f"adapter {i}", model="lora-a"))
                        self.assertEqual(st, 200, body)
                        self.assertEqual(h["x-inference-pod"], "sim-1",
                                         "lora-a should go where it is loaded")
                finally:
                    hold.close()

    def test_shedding_and_stale_metrics(self):
        objectives = [
            {"apiVersion": "llm-d.ai/v1alpha2", "kind": "InferenceObjective",
             "metadata": {"name": "batch", "namespace": NAMESPACE},
             "spec": {"priority": -1, "poolRef": {"name": "pool"}}},
            {"apiVersion": "llm-d.ai/v1alpha2", "kind": "InferenceObjective",
             "metadata": {"name": "interactive", "namespace": NAMESPACE},
             "spec": {"priority": 10, "poolRef": {"name": "pool"}}},
        ]
        # One slot per simulator: seven held requests make six wait, above the queue threshold 5.
        with Sims(2, ["--max-num-seqs", "1", "--inter-token-latency", "50ms"]) as sims:
            port = free_port()
            with Torii(pool_config(port, sims, extra=objectives)) as t:
                wait_scraped(t, 2)
                st, _, body = post(port, chat_body("fresh"), {"x-llm-d-inference-objective": "batch"})
                self.assertEqual(st, 200, body)  # not saturated: sheddable requests pass
                held = [long_stream(s, MODEL) for s in sims.sims for _ in range(7)]
                try:
                    def saturated():
                        m = metrics(t)
                        qs = [v for k, v in m.items()
                              if k.startswith("torii_inference_endpoint_queue{")]
                        return len(qs) == 2 and min(qs) > 5
                    wait_until(saturated, 5, 0.05, "both simulators saturated")
                    time.sleep(0.15)  # the next metrics round reaches the worker
                    st, h, body = post(port, chat_body("shed me"),
                                       {"x-llm-d-inference-objective": "batch"})
                    self.assertEqual(st, 429, body)
                    self.assertEqual(h.get("x-llm-d-request-dropped-reason"), "rejected-saturated")
                    # The deprecated alias works the same way.
                    st, _, _ = post(port, chat_body("shed me"),
                                    {"x-gateway-inference-objective": "batch"})
                    self.assertEqual(st, 429)
                finally:
                    for c in held:
                        c.close()
                # Higher priority is never shed.
                st, _, body = post(port, chat_body("keep me"),
                                   {"x-llm-d-inference-objective": "interactive"})
                self.assertEqual(st, 200, body)
                self.assertGreaterEqual(
                    sum(v for k, v in metrics(t).items() if k.startswith("torii_inference_rq_shed")), 2)
        # Stale metrics: scraped once at start, then only every minute. After the 200 ms staleness
        # threshold no endpoint has fresh metrics, so the pool counts as saturated: sheddable
        # requests get 429, the rest are still served (by the gateway's own in-flight counts).
        with Sims(2) as sims:
            port = free_port()
            cfg = pool_config(port, sims, annotations={"torii.dev/metrics-interval": "60s"},
                              extra=objectives)
            with Torii(cfg) as t:
                wait_scraped(t, 2)
                time.sleep(0.4)
                st, _, _ = post(port, chat_body("stale"), {"x-llm-d-inference-objective": "batch"})
                self.assertEqual(st, 429)
                pods = set()
                for i in range(12):
                    st, h, body = post(port, chat_body(f"stale {i}"))
                    self.assertEqual(st, 200, body)
                    pods.add(h["x-inference-pod"])
                self.assertEqual(pods, {"sim-0", "sim-1"})

    def test_endpoint_dies(self):
        with Sims(3, ["--inter-token-latency", "5ms"]) as sims:
            port = free_port()
            with Torii(pool_config(port, sims), workers=2) as t:
                wait_scraped(t, 3)
                results = []
                lock = threading.Lock()
                stop = time.monotonic() + 2.5

                def client(k):
                    i = 0
                    while time.monotonic() < stop:
                        i += 1
                        started = False
                        status = 0
                        try:
                            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                            conn.request("POST", "/v1/chat/completions",
                                         body=chat_body(f"c{k} r{i}", max_tokens=20, stream=True,
                                                        ignore_eos=True),
                                         headers={"Host": "example.com",
                                                  "Content-Type": "application/json"})
                            r = conn.getresponse()
                            started, status = True, r.status
                            data = r.read()
                            res = (r.status, started, b"[DONE]" in data)
                        except (OSError, http.client.HTTPException):
                            res = (status, started, False)
                        finally:
                            conn.close()
                        with lock:
                            results.append(res)

                threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
                for th in threads:
                    th.start()
                time.sleep(1.0)
                sims.sims[1].proc.send_signal(signal.SIGKILL)
                sims.sims[1].proc.wait()
                for th in threads:
                    th.join()
                # Every request either completed, or had started streaming (its head arrived) when
                # its endpoint died.
                lost = [r for r in results if r[0] != 200 or not (r[2] or r[1])]
                self.assertEqual(lost, [], f"{len(lost)} of {len(results)} lost")
                self.assertGreater(len(results), 30)
                # After the death, the dead endpoint is skipped (fallback) and nothing fails.
                for i in range(20):
                    st, h, body = post(port, chat_body(f"after {i}"))
                    self.assertEqual(st, 200, body)
                    self.assertNotEqual(h["x-inference-pod"], "sim-1")
                sims.sims[1]._cleanup()

    def test_sse_streams_incrementally(self):
        with Sims(1, ["--inter-token-latency", "40ms"]) as sims:
            port = free_port()
            with Torii(pool_config(port, sims)):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                t0 = time.monotonic()
                conn.request("POST", "/v1/chat/completions",
                             body=chat_body("stream", max_tokens=25, stream=True, ignore_eos=True),
                             headers={"Host": "example.com", "Content-Type": "application/json"})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                self.assertIn("text/event-stream", r.getheader("content-type"))
                first = None
                data = b""
                while True:
                    piece = r.read1(65536)
                    if not piece:
                        break
                    if first is None and b"data: {" in piece:
                        first = time.monotonic() - t0
                    data += piece
                total = time.monotonic() - t0
                conn.close()
                self.assertIn(b"data: [DONE]", data)
                self.assertEqual(data.count(b'"finish_reason":"length"'), 1, data[-600:])
                # 25 tokens 40 ms apart: the first must arrive long before the last is generated.
                self.assertIsNotNone(first)
                self.assertLess(first, total - 0.6, (first, total))

    def test_body_limits_and_requests_without_model(self):
        with Sims(2) as sims:
            port = free_port()
            cfg = pool_config(port, sims, annotations={"torii.dev/max-body-bytes": "2000"})
            with Torii(cfg) as t:
                st, _, body = post(port, chat_body("x" * 3000))
                self.assertEqual(st, 413, body)
                st, _, body = post(port, "{not json")
                self.assertEqual(st, 400, body)
                # Chunked bodies are bounded too (the connection is closed after the 413).
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/v1/chat/completions",
                             body=iter([chat_body("y" * 3000).encode()]),
                             headers={"Host": "example.com", "Content-Type": "application/json",
                                      "Transfer-Encoding": "chunked"}, encode_chunked=True)
                self.assertEqual(conn.getresponse().status, 413)
                conn.close()
                # No body (GET /v1/models): the least-loaded endpoint answers.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/v1/models", headers={"Host": "example.com"})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                self.assertIn(MODEL, r.read().decode())
                conn.close()
                # A chunked request that fits is forwarded with a Content-Length.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/v1/chat/completions", body=iter([chat_body("ok").encode()]),
                             headers={"Host": "example.com", "Content-Type": "application/json",
                                      "Transfer-Encoding": "chunked"}, encode_chunked=True)
                r = conn.getresponse()
                self.assertEqual(r.status, 200, r.read())
                conn.close()
                m = metrics(t)
                self.assertEqual(sum(v for k, v in m.items()
                                     if k.startswith("torii_inference_rq_body_too_large")), 2)
                self.assertEqual(sum(v for k, v in m.items()
                                     if k.startswith("torii_inference_rq_bad_body")), 1)

    def test_pool_without_endpoints_and_missing_pool(self):
        with Sims(1) as sims:
            port = free_port()
            cfg = pool_config(port, sims)
            # Select no pod: the pool is empty.
            for d in cfg.docs:
                if d["kind"] == "InferencePool":
                    d["spec"]["selector"]["matchLabels"] = {"app": "nothing"}
            cfg.route("missing", [{
                "matches": [{"path": {"type": "PathPrefix", "value": "/missing"}}],
                "backendRefs": [{"group": "inference.networking.k8s.io", "kind": "InferencePool",
                                 "name": "no-such-pool"}]}])
            with Torii(cfg) as t:
                st, _, body = post(port, chat_body("none"))
                self.assertEqual(st, 503, body)
                st, _, body = post(port, chat_body("none"), path="/missing/v1/chat/completions")
                self.assertEqual(st, 500, body)
                status, _, raw = t.admin_get("/status")
                items = json.loads(raw)["items"]
                route = next(i for i in items if i["kind"] == "HTTPRoute"
                             and i["metadata"]["name"] == "missing")
                conds = {c["type"]: c for c in route["status"]["parents"][0]["conditions"]}
                self.assertEqual(conds["Accepted"]["status"], "True")
                self.assertEqual(conds["ResolvedRefs"]["status"], "False")
                self.assertEqual(conds["ResolvedRefs"]["reason"], "BackendNotFound")
                pool = next(i for i in items if i["kind"] == "InferencePool")
                parents = pool["status"]["parents"]
                self.assertEqual(len(parents), 1)
                self.assertEqual(parents[0]["parentRef"]["name"], "gw")


if __name__ == "__main__":
    unittest.main()
