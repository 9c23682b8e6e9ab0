"""A fast object server for bench/remote.py: one asyncio thread on 127.0.0.1 answering GETs of the
files under a directory, whole (200) or one byte range (206), with an ETag and If-Match, HTTP/1.1
keep-alive — and a latency added to every round trip: a new connection is read from `delay`
seconds after it is accepted, and each request is answered `delay` seconds after it arrived;
with `rate` (bytes per second), a body of n bytes also waits n / rate seconds, as over a
connection of that bandwidth (a rough model: no slow start, connections independent).

tests/pylib/range_server.py is the test suite's server (faults, S3 signatures, a log of every
header); its threads and its separate delaying proxy cost about a millisecond per request on a
busy 2-core host, which would be measured instead of the client. This one costs a small fraction
of that, so a hundred ranged requests time the client and the latency, not the harness.

    srv = LoopbackServer(root, delay=0.02, rate=None).start()   # srv.url("model.frost")
    srv.requests, srv.body_bytes                     # counted since the last srv.reset()
    srv.stop()
"""
import asyncio
import os
import threading


class LoopbackServer:
    def __init__(self, root, delay=0.0, rate=None):
        self.root, self.delay, self.rate = root, delay, rate
        self.requests = self.body_bytes = 0
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.port = None
        self.thread = None

    def url(self, name):
        return "http://127.0.0.1:%d/%s" % (self.port, name)

    def reset(self):
        """Zeroes the counts, in the server's thread (which adds to them)."""
        def zero():
            self.requests = self.body_bytes = 0
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result(10)
        self.loop.call_soon_threadsafe(zero)
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result(10)

    def start(self):
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("loopback server did not start")
        return self

    def stop(self):
        async def shutdown():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def _answer_to(self, method, target, headers):
        path = os.path.join(self.root, os.path.basename(target.split("?")[0]))
        try:
            f = open(path, "rb")
        except OSError:
            return 404, [], b""
        with f:
            st = os.fstat(f.fileno())
            size = st.st_size
            etag = '"%x-%x"' % (st.st_mtime_ns, size)
            common = [("ETag", etag), ("Accept-Ranges", "bytes")]
            im = headers.get("if-match")
            if im is not None and im.strip() != etag:
                return 412, common, b""
            rng = headers.get("range", "")
            first, last = 0, size - 1
            status = 200
            if rng.startswith("bytes=") and "," not in rng:
                a, _, b = rng[6:].partition("-")
                try:
                    first, last = ((size - int(b), size - 1) if a == "" else
                                   (int(a), int(b) if b else size - 1))
                    status = 206
                except ValueError:
                    first, last = 0, size - 1
                first, last = max(first, 0), min(last, size - 1)
                if first > last:
                    return 416, common + [("Content-Range", "bytes */%d" % size)], b""
            if status == 206:
                common.append(("Content-Range", "bytes %d-%d/%d" % (first, last, size)))
            f.seek(first)
            return status, common, f.read(last - first + 1)

    async def _serve(self, reader, writer):
        try:
            await asyncio.sleep(self.delay)  # the connection's own round trip
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrived = self.loop.time()
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    k, sep, v = line.partition(":")
                    if sep:
                        headers[k.strip().lower()] = v.strip()
                status, extra, body = self._answer_to(method, target, headers)
                wait = arrived + self.delay - self.loop.time()
                if self.rate and method != "HEAD":
                    wait += len(body) / self.rate
                if wait > 0:
                    await asyncio.sleep(wait)
                reason = {200: "OK", 206: "Partial Content", 404: "Not Found",
                          412: "Precondition Failed", 416: "Range Not Satisfiable"}[status]
                out = ["HTTP/1.1 %d %s" % (status, reason), "Content-Length: %d" % len(body)]
                out += ["%s: %s" % kv for kv in extra]
                self.requests += 1  # counted before the client can have its answer
                self.body_bytes += len(body) if method != "HEAD" else 0
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                await writer.drain()
                if method != "HEAD":
                    # in pieces: asyncio's transport deletes what it sent from the front of one
                    # buffer, which for a body of megabytes copies it over and over
                    view = memoryview(body)
                    for at in range(0, len(body), 1 << 18):
                        writer.write(view[at:at + (1 << 18)])
                        await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()
