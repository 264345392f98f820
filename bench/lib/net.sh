# The network benchmarks' shared shell code, sourced by bench/swarm/run.sh and bench/oci/run.sh
# after examples/private-registry/registry.sh (new_netns, delete_ns, log): the cleanup that
# runs on exit and on SIGINT/SIGTERM, tc shaping of a link, a namespace's veth on the bridge,
# interface byte counters, and emptying a namespace of its processes.
#
# The sourcing script sets, before it calls these:
#   me          its name, for messages
#   keep        1: keep $work on exit (die sets it)
#   work        its scratch directory (removed on exit unless keep=1)
#   pids        array: every process it started in the background
#   namespaces  array: every namespace it created (deleted on exit)
#   rate_mbit   the default link rate, Mbit/s each way (shape)
#   sw_ns       the namespace that holds the bridge(s) (attach)
#   prefix      the nodes' address prefix length (attach)

# cleanup: stops every process in pids and in the namespaces, deletes the namespaces and
# (unless keep=1) the work directory, and exits with the script's status.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for ns in "${namespaces[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
    done
    for p in "${pids[@]}"; do
        for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    for ns in "${namespaces[@]}"; do delete_ns "$ns"; done
    wait 2>/dev/null || true
    if [[ $keep -eq 1 ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
    exit "$rc"
}

# trap_cleanup: runs cleanup on exit, Ctrl-C (status 130) and SIGTERM (143).
trap_cleanup() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

die() {
    echo "$me: $*" >&2
    keep=1
    exit 1
}

shape() { # shape NS DEV [MBIT]: HTB at the link rate, a byte fifo of 50 ms below it
    local mbit="${3:-$rate_mbit}" queue
    queue=$((mbit * 1000000 / 8 / 20))
    ((queue >= 65536)) || queue=65536
    tc -n "$1" qdisc add dev "$2" root handle 1: htb default 10
    tc -n "$1" class add dev "$2" parent 1: classid 1:10 htb rate "${mbit}mbit" ceil "${mbit}mbit" \
        quantum 1514
    tc -n "$1" qdisc add dev "$2" parent 1:10 handle 10: bfifo limit "$queue"
}

# attach NS INDEX ADDRESS [BRIDGE]: NS's eth0 (ADDRESS/prefix) joined to BRIDGE (default br0)
# in sw_ns by the veth pair pINDEX/eth0, both ends shaped to rate_mbit.
attach() {
    ip -n "$sw_ns" link add "p$2" type veth peer name eth0 netns "$1"
    ip -n "$sw_ns" link set "p$2" master "${4:-br0}" up
    ip -n "$1" addr add "$3/$prefix" dev eth0
    ip -n "$1" link set eth0 up
    shape "$1" eth0
    shape "$sw_ns" "p$2"
}

# tx_bytes NS: bytes NS has sent on its eth0 so far.
tx_bytes() { ip netns exec "$1" cat /sys/class/net/eth0/statistics/tx_bytes; }

# Every process left in namespace NS (only these scripts start processes there).
empty_ns() {
    local p left
    for p in $(ip netns pids "$1" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 50); do
        left=$(ip netns pids "$1" 2>/dev/null)
        [[ -z "$left" ]] && return 0
        sleep 0.1
    done
    for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
}
