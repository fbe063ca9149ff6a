#!/usr/bin/env python3
"""A TCP forwarder that starts listening only after a delay (standard library only).

For the "Postgres down then up" test: lakets-helper is pointed at --port,
where nothing listens for --delay seconds (connection refused, as when the
server is down or restarting); then connections are forwarded to --target.
"""

import argparse
import socket
import threading
import time


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client, target):
    try:
        upstream = socket.create_connection(("127.0.0.1", target), timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--delay", type=float, required=True)
    ap.add_argument("--ready-file", required=True)
    args = ap.parse_args()
    time.sleep(args.delay)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(16)
    with open(args.ready_file, "w") as f:
        f.write(str(time.time()))
    while True:
        c, _ = ls.accept()
        serve(c, args.target)


if __name__ == "__main__":
    main()
