"""A stand-in for the hosted AI providers, for the API test scripts: answers every POST with one
JSON body that satisfies each provider's documented answer shape (Anthropic's `content`,
OpenAI's and GigaChat's `choices`, YandexGPT's `result.alternatives`, GigaChat's OAuth
`access_token`), so a test server never calls the internet. Prints its port, then serves."""
import http.server
import json
import sys

ANSWER = json.dumps({
    "content": [{"type": "text", "text": "Stand-in answer."}],
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Stand-in answer."}}],
    "result": {"alternatives": [{"message": {"role": "assistant", "text": "Stand-in answer."}}]},
    "access_token": "stand-in-token",
}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
