#!/usr/bin/env python3
"""net-host.py - the host side of test-net and netbench under QEMU's user
network (slirp), started in the background before QEMU boots.

  net-host.py --port P --log LOG [--qmp SOCKET] [--pidfile F] [--limit S] [--daemon]

UDP service on 127.0.0.1:P (the guest reaches it at 10.0.2.2:P):
  b"E..."           echoed back unchanged
  b"B" n:u32 size:u16  n datagrams of `size` bytes sent back to the sender
                    (numbered: u32 index first), for receive-rate runs
  b"C"              answers b"C" + count:u32 of "F" datagrams since the last "C"
  b"F..."           counted only (transmit-rate runs)
QEMU's monitor (QMP, --qmp): the serial log LOG is followed; a line
"net-host: link down" makes it send set_link down for the NIC n0, "net-host:
link up" set_link up.  Exits after --limit seconds (default 300) or on
SIGTERM; the harness stops it through the pid file after QEMU exits.
The UDP service blocks in recvfrom (no select per datagram), as the Linux
guest's peer does; the log is followed by a thread.
With --daemon it returns once the port is bound (the serial log, which it
deletes first so that an old one triggers nothing, may then be created),
serving on in the caller's session.
"""
import argparse, json, os, signal, socket, struct, sys, threading, time


def qmp_connect(path, deadline):
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            f = s.makefile("rw")
            f.readline()                                   # greeting
            f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
            f.flush()
            f.readline()
            return f
        except OSError:
            time.sleep(0.1)
    return None


def set_link(qmp, up):
    qmp.write(json.dumps({"execute": "set_link", "arguments": {"name": "n0", "up": up}}) + "\n")
    qmp.flush()
    while True:                                            # skip events up to the answer
        line = qmp.readline()
        if not line or "return" in line or "error" in line:
            print("net-host: set_link %s: %s" % (up, line.strip()), flush=True)
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--qmp")
    ap.add_argument("--pidfile")
    ap.add_argument("--limit", type=float, default=300)
    ap.add_argument("--daemon", action="store_true",
                    help="return once the port is bound, serving on in the background")
    a = ap.parse_args()
    try:
        os.unlink(a.log)                                   # a stale log must not trigger anything
    except OSError:
        pass
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    u.bind(("127.0.0.1", a.port))
    if a.daemon:
        # No setsid: the service stays in the session (and so the
        # scheduler's autogroup) of the QEMU it answers, as the Linux
        # guest's peer does; in a group of its own, each echo waited for
        # the host to schedule that group (UDP round trip min 95 against
        # 73 us, docs/benchmarks.md "Round trips").  It still ends with
        # the run: the harness stops it through the pid file.
        if os.fork():
            os._exit(0)
        fd = os.open(os.devnull, os.O_RDWR)
        for i in (0, 1, 2):
            os.dup2(fd, i)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
    signal.alarm(max(1, int(a.limit)))
    if a.qmp:
        threading.Thread(target=follow_log, args=(a.log, a.qmp), daemon=True).start()
    # The echo path is a blocking recvfrom and a sendto, as the Linux
    # guest's peer (/work/shared/linux-guest/tools/hostsrv.py) answers: a
    # round trip then costs the host the same on both sides.
    flood = 0
    while True:
        data, peer = u.recvfrom(65536)
        kind = data[:1]
        if kind == b"E":
            u.sendto(data, peer)
        elif kind == b"F":
            flood += 1
        elif kind == b"C":
            u.sendto(b"C" + struct.pack("<I", flood), peer)
            flood = 0
        elif kind == b"B" and len(data) >= 7:
            n, size = struct.unpack("<IH", data[1:7])
            size = max(8, min(size, 1472))
            for i in range(min(n, 1000000)):
                u.sendto(struct.pack("<I", i) + bytes(size - 4), peer)


def follow_log(path, qmp_path):
    """Follows the serial log (a thread): "net-host: link down" / "up"
    lines become QMP set_link commands for the NIC n0."""
    log = None
    qmp = None
    pending = ""
    while True:
        time.sleep(0.05)
        if log is None:
            try:
                log = open(path, "r", errors="replace")
            except OSError:
                continue
        chunk = log.read()
        if not chunk:
            continue
        pending += chunk
        lines = pending.split("\n")
        pending = lines.pop()
        for line in lines:
            if "net-host: link " in line:
                if qmp is None:
                    qmp = qmp_connect(qmp_path, time.time() + 10)
                if qmp is not None:
                    set_link(qmp, "link up" in line)


if __name__ == "__main__":
    main()
