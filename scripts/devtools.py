"""Headless Chromium's DevTools protocol over websocket-client, for the
check scripts that look at pages (scripts/mlflow_ui_check.py,
scripts/tensorboard_screenshot.py): `Page`, one page target."""

import json

import websocket


class Page:
    """One page target of Chromium, over its DevTools websocket."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        """Calls a DevTools method; its result, or RuntimeError."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression, await_promise=False):
        """The value of a JS expression (awaited when it is a promise)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")
