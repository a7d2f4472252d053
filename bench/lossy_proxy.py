"""A TCP proxy that loses traffic on purpose, for bench/soak.py.

Each connection carries one HTTP request (gunicorn's sync workers close the connection after each
response, and the soak's tablets ask for that too), so deciding per connection decides per request:
- "request": the client's connection is closed before anything reaches the server; the server never
  sees the request (a save that never left the tablet's network);
- "response": the request is forwarded in full and the server answers it, but the answer is thrown
  away and the client's connection closed; the server applied what the client does not know it sent
  (the case that needs the save ids and upload ids to be idempotent);
- otherwise it relays both ways.
A server that refuses the connection (restarting) closes the client's connection too.
The fates come from one random.Random(seed), drawn in the order connections are accepted.
"""
import random
import selectors
import socket
import threading
from collections import Counter

CHUNK = 64 * 1024


class LossyProxy:
    def __init__(self, upstream_port: int, drop: float, seed: int, host: str = "127.0.0.1"):
        self.upstream = (host, upstream_port)
        self.drop = drop
        self.random = random.Random(seed)
        self.counts = Counter()  # passed, request dropped, response dropped, server refused
        self.lock = threading.Lock()
        self.listener = socket.create_server((host, 0), backlog=128)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> "LossyProxy":
        self.thread.start()
        return self

    def close(self) -> None:
        self.listener.close()

    def _fate(self) -> str:
        with self.lock:
            draw = self.random.random()
        if draw < self.drop:
            return "request dropped"
        if draw < 2 * self.drop:
            return "response dropped"
        return "passed"

    def _count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._handle, args=(client, self._fate()), daemon=True).start()

    def _handle(self, client: socket.socket, fate: str) -> None:
        with client:
            if fate == "request dropped":
                self._count(fate)
                return
            try:
                server = socket.create_connection(self.upstream, timeout=30)
            except OSError:
                self._count("server refused")
                return
            with server:
                self._relay(client, server, answer=fate == "passed")
            self._count(fate)

    @staticmethod
    def _relay(client: socket.socket, server: socket.socket, answer: bool) -> None:
        """Client to server always; server to client only when `answer`. Ends when the server has
        answered and closed (or either side failed): a dropped answer is read to its end first, so the
        server finished the request before the client notices anything."""
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            while True:
                events = selector.select(timeout=60)
                if not events:
                    return
                for key, _ in events:
                    source, target = key.fileobj, key.data
                    try:
                        data = source.recv(CHUNK)
                    except OSError:
                        return
                    if not data:
                        if source is server:
                            return
                        selector.unregister(client)  # the client is done sending; wait for the answer
                        continue
                    if source is server and not answer:
                        continue
                    try:
                        target.sendall(data)
                    except OSError:
                        return
