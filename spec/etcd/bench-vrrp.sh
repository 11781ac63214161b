#!/bin/sh
# The VRRP fact's cost before and after backend etcd (issue 13, item 5):
# main's binary and this tree's, built the same way, run interleaved N
# times each in one namespace, as a holder and as a non-holder. Prints the
# medians of wall time, CPU time (user + sys) and max RSS. Needs root.
#
#   sh spec/etcd/bench-vrrp.sh [BASE_REF] [N]     (defaults: main, 300)
set -eu
cd "$(dirname "$0")/../.."
PATH=$PATH:/usr/local/go/bin
base=${1:-main}
n=${2:-300}
[ "$(id -u)" = 0 ] || { echo "bench-vrrp.sh: needs root (it makes a namespace)" >&2; exit 1; }
tmp=$(mktemp -d)
ns=ge-bench-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

mkdir "$tmp/base"
git archive "$base" | tar -x -C "$tmp/base"
(cd "$tmp/base" && CGO_ENABLED=0 go build -trimpath -o "$tmp/before" ./cmd/gluster-vip)
CGO_ENABLED=0 go build -trimpath -o "$tmp/after" ./cmd/gluster-vip
ls -l "$tmp/before" "$tmp/after" | awk '{print "size", $5, $NF}'

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" link set eth1 up
ip -n "$ns" link set eth0 up
ip -n "$ns" addr add 198.51.100.11/24 dev eth0
ip -n "$ns" addr add 203.0.113.10/32 dev eth0

echo "# flags give the rest" > "$tmp/gv.conf"
export GLUSTER_VIP_CONFIG="$tmp/gv.conf"
ip netns exec "$ns" python3 - "$tmp/before" "$tmp/after" "$n" <<'PY'
import os, sys, time, statistics
before, after, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cases = {"holder": ["--vip", "203.0.113.10", "--mode", "vip", "--settle", "0s", "--probe", "0s"],
         "non-holder": ["--vip", "203.0.113.99", "--mode", "vip", "--settle", "0s", "--probe", "0s"]}
first = {}
def one(binary, args):
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1); os.dup2(fd, 2)
        os.execv(binary, [binary] + args)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t
    assert os.waitstatus_to_exitcode(status) == 0, (binary, args, status)
    if first.setdefault((binary, args[1]), True):
        first[(binary, args[1])] = False
        out = os.popen(" ".join([binary] + args)).read()
        want = '"gluster_vip_holder": true' if args[1] == "203.0.113.10" else '"gluster_vip_holder": false'
        assert want in out and '"error": null' in out, out
    # A child's ru_maxrss counts the forked Python before exec: RSS is
    # measured through GNU time instead, whose own fork is small.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1); os.dup2(w, 2)
        os.execv("/usr/bin/time", ["/usr/bin/time", "-f", "RSS %M", binary] + args)
    os.close(w)
    with os.fdopen(r) as f:
        out = f.read()
    os.waitpid(pid, 0)
    rss = int([l for l in out.splitlines() if l.startswith("RSS ")][-1][4:])
    assert "error" not in out, out
    return wall * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3, rss / 1024
for case, args in cases.items():
    res = {"before": [], "after": []}
    for i in range(n):
        order = [("before", before), ("after", after)] if i % 2 == 0 else [("after", after), ("before", before)]
        for name, b in order:
            res[name].append(one(b, args))
    print(f"{case} (n={n} each, interleaved): median wall ms, cpu ms, max RSS MiB")
    med = {}
    for name in ("before", "after"):
        cols = list(zip(*res[name]))
        med[name] = [statistics.median(c) for c in cols]
        print(f"  {name:6}  wall {med[name][0]:.3f}  cpu {med[name][1]:.3f}  rss {med[name][2]:.2f}")
    ratio = [a / b if b else float('nan') for a, b in zip(med["after"], med["before"])]
    print(f"  after/before  wall {ratio[0]:.3f}  cpu {ratio[1]:.3f}  rss {ratio[2]:.3f}")
PY
