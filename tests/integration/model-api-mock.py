#!/usr/bin/python3
# model-api-mock.py DIALECT SCRIPT PORTFILE LOG -- a loopback stand-in for a
# model's API, for the agent-CLI test (test-agent-cli.sh). Standard library
# only; it listens on 127.0.0.1 (a port of the kernel's choosing, written to
# PORTFILE) and serves until it is killed.
#
# DIALECT is `anthropic` (the Messages API, as Claude Code speaks it) or
# `openai` (the Responses API, as Codex speaks it). SCRIPT is a JSON file:
# {"calls": [{"name": TOOL, "input": {...}}, ...], "final": TEXT}. The
# conversation is scripted turn by turn without state: a request of the
# agent's main conversation (one that offers tools) that carries N tool
# results so far is answered with call N of the script, and once every call
# has its result, with the final text. Any other request (a title, a quota
# check) gets a short text answer, and an unknown path an error.
#
# Every request is appended to LOG as one JSON line: method, path, headers
# (their names only: the key is a placeholder, but nothing needs it), the
# step of the script it is answered with (null for a side request) and the
# body as text, so that a test can tell what reached the model and what never
# did, and when the conversation is over.
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIALECT, SCRIPT, PORTFILE, LOG = sys.argv[1:5]
with open(SCRIPT) as f:
    script = json.load(f)
log_lock = threading.Lock()


def log_request(method, path, headers, body, step=None):
    with log_lock, open(LOG, "a") as f:
        f.write(json.dumps({"method": method, "path": path, "headers": sorted(headers.keys()), "step": step,
                            "body": body.decode("utf-8", "replace")}) + "\n")


def sse(events):
    out = []
    for ev in events:
        out.append("event: %s\ndata: %s\n\n" % (ev["type"], json.dumps(ev)))
    return "".join(out).encode()


# ---- Anthropic Messages API ----------------------------------------------------

def anthropic_step(body):
    """The number of tool results in the conversation, or None when the
    request is not the agent's main conversation (it offers no tools)."""
    if not body.get("tools"):
        return None
    n = 0
    for m in body.get("messages", []):
        if m.get("role") == "user" and isinstance(m.get("content"), list):
            n += sum(1 for b in m["content"] if isinstance(b, dict) and b.get("type") == "tool_result")
    return n


def anthropic_reply(body):
    step = anthropic_step(body)
    model = body.get("model", "mock")
    if step is not None and step < len(script["calls"]):
        call = script["calls"][step]
        block = {"type": "tool_use", "id": "toolu_mock_%d" % step, "name": call["name"], "input": call["input"]}
        stop = "tool_use"
    else:
        block = {"type": "text", "text": script["final"] if step is not None else "ok"}
        stop = "end_turn"
    usage = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0,
             "cache_read_input_tokens": 0}
    msg = {"id": "msg_mock_%s" % (step if step is not None else "side"), "type": "message",
           "role": "assistant", "model": model, "content": [block], "stop_reason": stop,
           "stop_sequence": None, "usage": usage}
    if not body.get("stream"):
        return "application/json", json.dumps(msg).encode()
    start = dict(msg, content=[], stop_reason=None)
    if block["type"] == "tool_use":
        first = dict(block, input={})
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    else:
        first = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    return "text/event-stream", sse([
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": first},
        {"type": "content_block_delta", "index": 0, "delta": delta},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
         "usage": {"output_tokens": 5}},
        {"type": "message_stop"},
    ])


# ---- OpenAI Responses API ------------------------------------------------------

OPENAI_OUTPUTS = ("function_call_output", "custom_tool_call_output", "local_shell_call_output")


def openai_step(body):
    if not body.get("tools"):
        return None
    return sum(1 for item in body.get("input", [])
               if isinstance(item, dict) and item.get("type") in OPENAI_OUTPUTS)


def openai_reply(body):
    step = openai_step(body)
    rid = "resp_mock_%s" % (step if step is not None else "side")
    if step is not None and step < len(script["calls"]):
        call = script["calls"][step]
        item = {"type": "function_call", "id": "fc_mock_%d" % step, "call_id": "call_mock_%d" % step,
                "name": call["name"], "arguments": json.dumps(call["input"])}
    else:
        text = script["final"] if step is not None else "ok"
        item = {"type": "message", "role": "assistant", "id": "msg_mock_%s" % rid,
                "content": [{"type": "output_text", "text": text, "annotations": []}]}
    usage = {"input_tokens": 10, "input_tokens_details": None, "output_tokens": 5,
             "output_tokens_details": None, "total_tokens": 15}
    return "text/event-stream", sse([
        {"type": "response.created", "response": {"id": rid}},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": {"id": rid, "usage": usage}},
    ])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the LOG file says it all
        pass

    def answer(self, status, ctype, data):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        log_request("GET", self.path, self.headers, b"")
        self.answer(404, "application/json", json.dumps(
            {"type": "error", "error": {"type": "not_found_error", "message": "mock: no such path"}}).encode())

    def do_HEAD(self):
        log_request("HEAD", self.path, self.headers, b"")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        log_request("POST", self.path, self.headers, raw,
                    (anthropic_step if DIALECT == "anthropic" else openai_step)(body))
        if DIALECT == "anthropic" and path.endswith("/v1/messages/count_tokens"):
            self.answer(200, "application/json", b'{"input_tokens": 10}')
        elif DIALECT == "anthropic" and path.endswith("/v1/messages"):
            self.answer(200, *anthropic_reply(body))
        elif DIALECT == "openai" and path.endswith("/responses"):
            self.answer(200, *openai_reply(body))
        else:
            self.answer(404, "application/json", json.dumps(
                {"type": "error", "error": {"type": "not_found_error", "message": "mock: no such path"}}).encode())


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
