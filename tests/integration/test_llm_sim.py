"""torii-llm-sim: the vLLM-compatible model-server simulator, driven over HTTP on loopback."""

import http.client
import json
import os
import socket
import threading
import time
import unittest

from harness import (_Process, build_dir, free_port, parse_metrics, request, require_binary,
                     wait_until)

MODEL = "Qwen/Qwen3-32B"


def sim_path():
    return os.path.join(build_dir(), "torii-llm-sim")


class LlmSim(_Process):
    """Runs build/torii-llm-sim on 127.0.0.1 and an ephemeral port; waits for /health."""

    def __init__(self, args=(), env=None, ready_timeout=10, host="127.0.0.1", port=None,
                 model=MODEL):
        super().__init__()
        self.args = list(args)
        self.env = env or {}
        self.ready_timeout = ready_timeout
        self.host = host
        self.port = port
        self.model = model

    def start(self):
        require_binary(sim_path())
        if self.port is None:
            self.port = free_port()
        env = dict(os.environ)
        env.update(self.env)
        cmd = [sim_path(), "--model", self.model, "--listen", f"{self.host}:{self.port}"] + self.args
        self._spawn(cmd, env=env, prefix="torii-llm-sim-it-")
        if self.host == "127.0.0.1":
            return self._wait_healthy("torii-llm-sim")

        def healthy():
            if not self.running():
                raise AssertionError(f"torii-llm-sim exited with {self.proc.returncode}:\n"
                                     f"{self.log_text()}")
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=1)
                conn.request("GET", "/health")
                ok = conn.getresponse().status == 200
                conn.close()
                return ok
            except OSError:
                return False

        try:
            wait_until(healthy, self.ready_timeout, 0.05, "torii-llm-sim /health")
        except BaseException:
            self._kill()
            self._cleanup()
            raise
        return self

    def close(self):
        """SIGTERM (bounded wait); fails when the process did not exit 0 or a sanitizer spoke."""
        rc = None
        if self.running():
            self.proc.terminate()
            rc = self.wait(10)
            if rc is None:
                self._kill()
        log = self.log_text()
        self._cleanup()
        if rc != 0 or "Sanitizer" in log or "runtime error:" in log:
            raise AssertionError(f"torii-llm-sim exited with {rc}:\n{log}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    # -- clients

    def post(self, path, doc, timeout=30):
        """POST JSON; returns (status, headers dict lower-cased, parsed body or raw bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            body = doc if isinstance(doc, (bytes, str)) else json.dumps(doc)
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            headers = {k.lower(): v for k, v in r.getheaders()}
            try:
                return r.status, headers, json.loads(data)
            except ValueError:
                return r.status, headers, data
        finally:
            conn.close()

    def chat(self, content, **extra):
        doc = {"model": MODEL, "messages": [{"role": "user", "content": content}]}
        doc.update(extra)
        return self.post("/v1/chat/completions", doc)

    def metrics(self):
        r = request(self.port, "GET", "/metrics")
        assert r.status == 200, r.status
        return parse_metrics(r.body.decode())

    def gauge(self, name):
        return self.metrics()[f'{name}{{model_name="{MODEL}"}}']


def long_prompt(words=300):
    return " ".join(f"item{i} of the shared system prompt" for i in range(words // 6))


class LlmSimTest(unittest.TestCase):
    """One simulator with fast latencies, shared by the simple tests."""

    @classmethod
    def setUpClass(cls):
        cls.sim = LlmSim(["--time-to-first-token", "5ms", "--inter-token-latency", "1ms",
                          "--max-loras", "1", "--lora-modules", '{"name":"food-review-1"}',
                          "--enable-kvcache", "--max-model-len", "4096", "--seed", "7"],
                         env={"POD_NAME": "vllm-0", "POD_NAMESPACE": "ns-a"}).start()
        cls.addClassCleanup(cls.sim.close)

    def test_health(self):
        r = request(self.sim.port, "GET", "/health")
        self.assertEqual(r.status, 200)

    def test_models(self):
        r = request(self.sim.port, "GET", "/v1/models")
        self.assertEqual(r.status, 200)
        doc = r.json()
        self.assertEqual(doc["object"], "list")
        ids = [m["id"] for m in doc["data"]]
        self.assertEqual(ids, [MODEL, "food-review-1"])
        self.assertEqual(doc["data"][1]["parent"], MODEL)

    def test_chat_completion_with_usage(self):
        status, headers, doc = self.sim.chat("Tell me a story about a gateway.", max_tokens=10)
        self.assertEqual(status, 200, doc)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(doc["object"], "chat.completion")
        self.assertEqual(doc["model"], MODEL)
        choice = doc["choices"][0]
        self.assertEqual(choice["message"]["role"], "assistant")
        self.assertIn(choice["finish_reason"], ("stop", "length"))
        usage = doc["usage"]
        self.assertGreater(usage["prompt_tokens"], 5)
        self.assertTrue(1 <= usage["completion_tokens"] <= 10)
        self.assertEqual(usage["total_tokens"], usage["prompt_tokens"] + usage["completion_tokens"])
        self.assertIn("cached_tokens", usage["prompt_tokens_details"])
        # Deterministic token estimate: the same prompt always counts the same.
        _, _, again = self.sim.chat("Tell me a story about a gateway.", max_tokens=10)
        self.assertEqual(again["usage"]["prompt_tokens"], usage["prompt_tokens"])

    def test_text_completion_and_lora(self):
        status, _, doc = self.sim.post("/v1/completions", {"model": "food-review-1",
                                                            "prompt": "The soup was",
                                                            "max_tokens": 4, "ignore_eos": True})
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["object"], "text_completion")
        self.assertEqual(doc["model"], "food-review-1")
        self.assertEqual(doc["usage"]["completion_tokens"], 4)
        self.assertEqual(doc["choices"][0]["finish_reason"], "length")

    def test_identity_headers(self):
        status, headers, _ = self.sim.chat("hi", max_tokens=1)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-inference-pod"), "vllm-0")
        self.assertEqual(headers.get("x-inference-namespace"), "ns-a")
        self.assertEqual(headers.get("x-inference-port"), str(self.sim.port))

    def test_cached_tokens_on_repeated_prompt(self):
        prompt = long_prompt(400) + " (cache test)"
        status, _, first = self.sim.chat(prompt, max_tokens=2)
        self.assertEqual(status, 200, first)
        self.assertGreater(first["usage"]["prompt_tokens"], 100)
        self.assertEqual(first["usage"]["prompt_tokens_details"]["cached_tokens"], 0)
        _, _, second = self.sim.chat(prompt, max_tokens=2)
        cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
        self.assertGreater(cached, 0)
        self.assertLess(cached, second["usage"]["prompt_tokens"])
        self.assertEqual(cached % 16, 0)  # whole blocks
        m = self.sim.metrics()
        self.assertGreaterEqual(m[f'vllm:prefix_cache_hits_total{{model_name="{MODEL}"}}'], cached)

    def test_errors(self):
        status, _, doc = self.sim.post("/v1/chat/completions", b"{not json")
        self.assertEqual(status, 400)
        self.assertEqual(doc["error"]["code"], 400)
        status, _, doc = self.sim.post("/v1/chat/completions",
                                       {"messages": [{"role": "user", "content": "x"}]})
        self.assertEqual(status, 400)
        status, _, doc = self.sim.post("/v1/chat/completions",
                                       {"model": "nope", "messages": [{"role": "user", "content": "x"}]})
        self.assertEqual(status, 404)
        self.assertIn("does not exist", doc["error"]["message"])
        status, _, doc = self.sim.chat("x", max_tokens=100000)
        self.assertEqual(status, 400)
        self.assertIn("maximum context length", doc["error"]["message"])
        r = request(self.sim.port, "GET", "/v1/chat/completions")
        self.assertEqual(r.status, 405)
        r = request(self.sim.port, "GET", "/nowhere")
        self.assertEqual(r.status, 404)

    def test_metrics_exposition(self):
        r = request(self.sim.port, "GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("content-type").startswith("text/plain"))
        text = r.body.decode()
        for name in ("vllm:num_requests_running", "vllm:num_requests_waiting",
                     "vllm:kv_cache_usage_perc", "vllm:lora_requests_info",
                     "vllm:cache_config_info", "vllm:time_to_first_token_seconds"):
            self.assertIn(f"# TYPE {name} ", text)
        self.assertIn('vllm:cache_config_info{block_size="16",num_gpu_blocks="1024"} 1', text)
        self.assertIn('max_lora="1"', text)


class LlmSimStreamingTest(unittest.TestCase):
    def test_stream_arrives_incrementally(self):
        with LlmSim(["--time-to-first-token", "20ms", "--inter-token-latency", "25ms",
                     "--seed", "1"]) as sim:
            conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=30)
            body = json.dumps({"model": MODEL, "stream": True, "max_tokens": 16, "ignore_eos": True,
                               "stream_options": {"include_usage": True},
                               "messages": [{"role": "user", "content": "count to sixteen"}]})
            start = time.monotonic()
            conn.request("POST", "/v1/chat/completions", body=body,
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertTrue(r.getheader("content-type").startswith("text/event-stream"))
            events = []
            for raw in r:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("data: "):
                    events.append((time.monotonic() - start, line[6:]))
                if line == "data: [DONE]":
                    break
            conn.close()
            self.assertEqual(events[-1][1], "[DONE]")
            chunks = [json.loads(e) for _, e in events[:-1]]
            usage = chunks[-1]
            self.assertEqual(usage["choices"], [])
            self.assertEqual(usage["usage"]["completion_tokens"], 16)
            content = chunks[:-1]
            self.assertEqual(len(content), 16)  # one chunk per token
            self.assertEqual(content[0]["choices"][0]["delta"]["role"], "assistant")
            self.assertEqual(content[-1]["choices"][0]["finish_reason"], "length")
            self.assertTrue(all(c["choices"][0]["finish_reason"] is None for c in content[:-1]))
            first_t, last_t = events[0][0], events[-2][0]
            # 15 inter-token gaps of >= 0.3 * 25 ms (jitter-free here: exactly 25 ms).
            self.assertGreater(last_t - first_t, 0.25, events)
            self.assertLess(first_t, last_t / 2)


def send_without_reading(port, doc):
    """Opens a connection and sends one POST; the caller reads the response later."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    body = json.dumps(doc).encode()
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\n"
              + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    return s


def read_status(sock):
    data = b""
    while b"\r\n" not in data:
        piece = sock.recv(4096)
        if not piece:
            break
        data += piece
    sock.close()
    return int(data.split(b" ", 2)[1])


class LlmSimLoadTest(unittest.TestCase):
    def test_queue_full_gives_429_and_metrics_follow(self):
        with LlmSim(["--max-num-seqs", "1", "--max-waiting-queue-length", "1",
                     "--time-to-first-token", "1s", "--inter-token-latency", "10ms",
                     "--enable-kvcache", "--max-model-len", "4096"]) as sim:
            self.assertEqual(sim.gauge("vllm:num_requests_running"), 0)
            doc = {"model": MODEL, "max_tokens": 5, "ignore_eos": True,
                   "messages": [{"role": "user", "content": long_prompt(300)}]}
            first = send_without_reading(sim.port, doc)
            wait_until(lambda: sim.gauge("vllm:num_requests_running") == 1, 10, what="running 1")
            self.assertGreater(sim.gauge("vllm:kv_cache_usage_perc"), 0)
            second = send_without_reading(sim.port, doc)
            wait_until(lambda: sim.gauge("vllm:num_requests_waiting") == 1, 10, what="waiting 1")
            status, _, err = sim.chat("one too many", max_tokens=1)
            self.assertEqual(status, 429, err)
            self.assertEqual(err["error"]["code"], 429)
            self.assertEqual(read_status(first), 200)
            self.assertEqual(read_status(second), 200)
            wait_until(lambda: sim.gauge("vllm:num_requests_running") == 0
                       and sim.gauge("vllm:num_requests_waiting") == 0, 10, what="idle")
            self.assertEqual(sim.gauge("vllm:kv_cache_usage_perc"), 0)
            m = sim.metrics()
            self.assertEqual(m[f'vllm:request_success_total{{model_name="{MODEL}",finish_reason="length"}}'], 2)
            # The second request waited for the first: its queue time shows in the histogram.
            self.assertGreater(m[f'vllm:request_queue_time_seconds_sum{{model_name="{MODEL}"}}'], 0.2)

    def test_lora_info_shows_running_and_waiting_adapters(self):
        with LlmSim(["--max-num-seqs", "2", "--max-loras", "1", "--time-to-first-token", "1s",
                     "--lora-modules", '{"name":"a"}', '{"name":"b"}']) as sim:
            def doc(model):
                return {"model": model, "max_tokens": 1,
                        "messages": [{"role": "user", "content": "hi"}]}
            s1 = send_without_reading(sim.port, doc("a"))
            wait_until(lambda: sim.gauge("vllm:num_requests_running") == 1, 10, what="a running")
            s2 = send_without_reading(sim.port, doc("b"))  # b cannot load while a runs
            key = 'vllm:lora_requests_info{max_lora="1",running_lora_adapters="a",waiting_lora_adapters="b"}'
            wait_until(lambda: key in sim.metrics(), 10, what="lora info a/b")
            self.assertEqual(sim.gauge("vllm:num_requests_waiting"), 1)
            self.assertEqual(read_status(s1), 200)
            self.assertEqual(read_status(s2), 200)

    def test_client_disconnect_frees_slot_and_queue_place(self):
        with LlmSim(["--max-num-seqs", "1", "--max-waiting-queue-length", "1",
                     "--time-to-first-token", "20s"]) as sim:
            doc = {"model": MODEL, "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}
            running = send_without_reading(sim.port, doc)
            wait_until(lambda: sim.gauge("vllm:num_requests_running") == 1, 10, what="running 1")
            queued = send_without_reading(sim.port, dict(doc, stream=True))
            wait_until(lambda: sim.gauge("vllm:num_requests_waiting") == 1, 10, what="waiting 1")
            queued.close()
            wait_until(lambda: sim.gauge("vllm:num_requests_waiting") == 0, 5, what="queue place freed")
            self.assertEqual(sim.gauge("vllm:num_requests_running"), 1)
            running.close()
            wait_until(lambda: sim.gauge("vllm:num_requests_running") == 0, 5, what="slot freed")

    def test_pipelined_requests_on_one_connection(self):
        with LlmSim(["--time-to-first-token", "300ms"]) as sim:
            body = json.dumps({"model": MODEL, "max_tokens": 1,
                               "messages": [{"role": "user", "content": "hi"}]}).encode()
            one = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: sim\r\n"
                   + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            s = socket.create_connection(("127.0.0.1", sim.port), timeout=10)
            s.sendall(one)
            # Once the first request runs, the rest arrives while its client watcher is reading.
            wait_until(lambda: sim.gauge("vllm:num_requests_running") == 1, 10, what="running 1")
            s.sendall(one + b"GET /health HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                data += piece
            s.close()
            self.assertEqual(data.count(b"HTTP/1.1 200 OK"), 3, data)
            self.assertEqual(data.count(b'"object":"chat.completion"'), 2)


if __name__ == "__main__":
    unittest.main()
