# The registry's set-up, shared by examples/private-registry/run.sh (the demo) and
# bench/swarm/run.sh (the swarm benchmark), which source this file: a throw-away CA and
# certificate, network namespaces with their own /etc/netns hosts, nginx (HTTPS on 443),
# aciswarm-tracker locked to a registry directory and the everseed (aciswarm seed), each
# started inside a namespace and waited for with a bounded readiness check.
#
# The sourcing script defines die MESSAGE (prints, exits non-zero) and keeps the array
# `pids`: every process started here is appended to it, and its cleanup trap stops them
# (stop_pids) and deletes the namespaces it made (delete_ns). The pid of the process a
# start_* function started last is also in $started_pid.

now_ms() { date +%s%3N; }
log() { printf '%s\n' "$*" >&2; }

# Our own CA only: the machine's SSL_CERT_FILE must not replace it (libtorrent reads it).
clean_env=(env -u SSL_CERT_FILE -u SSL_CERT_DIR -u CURL_CA_BUNDLE)

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND (a readiness check) until it succeeds.
wait_for() {
    local secs="$1" what="$2"
    shift 2
    local until=$(($(now_ms) + secs * 1000))
    until "$@" >/dev/null 2>&1; do
        (($(now_ms) < until)) || die "timed out after ${secs}s waiting for $what"
        sleep 0.1
    done
}

# make_ca DIR HOST CA_NAME: DIR/ca.pem (the CA to trust) and DIR/server.{pem,key} for HOST.
make_ca() {
    local dir="$1" host="$2" name="$3"
    mkdir -p "$dir"
    cat >"$dir/ca.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = $name
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
    printf 'basicConstraints = CA:false\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:%s\n' \
        "$host" >"$dir/server.ext"
    (
        cd "$dir"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
            -out ca.pem -days 2 -config ca.cnf
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
            -out server.csr -subj "/CN=$host"
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -out server.pem -extfile server.ext
    )
}

# new_netns NS HOSTS: a namespace with loopback up, /etc/netns/NS/hosts = HOSTS (lines) and a
# resolv.conf pointing at the namespace's own loopback (no DNS query leaves).
new_netns() {
    ip netns add "$1"
    ip -n "$1" link set lo up
    mkdir -p "/etc/netns/$1"
    printf '%s' "$2" >"/etc/netns/$1/hosts"
    printf 'nameserver 127.0.0.1\n' >"/etc/netns/$1/resolv.conf"
}

# delete_ns NS: kills what is left inside (only these scripts start processes there), deletes
# the namespace and its /etc/netns entry.
delete_ns() {
    local p
    if ip netns list 2>/dev/null | grep -qw "$1"; then
        for p in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$1" 2>/dev/null || true
    fi
    rm -rf "/etc/netns/$1"
}

# stop_pids PID...: SIGTERM, up to 5 s each to exit, then SIGKILL; reaps them.
stop_pids() {
    local p
    for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "$@"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

# make_image ACISWARM WORK SIZE_MIB NAME GREETING: WORK/hello-1.0.aci, NAME:1.0 with SIZE_MIB
# MiB of random bytes and etc/hello.
make_image() {
    mkdir -p "$2/rootfs/etc"
    head -c "$(($3 * 1024 * 1024))" /dev/urandom >"$2/rootfs/payload.bin"
    echo "$5" >"$2/rootfs/etc/hello"
    "$1" build-aci "$2/rootfs" --name="$4" --version=1.0 --out="$2/hello-1.0.aci" >/dev/null \
        2>"$2/logs/build-aci.log" || die "build-aci failed"
}

# start_nginx NS WORK SECONDS HOST CA [CURL_ARGS...]: nginx -c WORK/nginx.conf inside NS,
# waited for until https://HOST/index.html answers (trusting only CA; CURL_ARGS, e.g.
# -K FILE with the credentials of an auth_basic registry, go to that check).
start_nginx() {
    local curl_args=("${@:6}")
    mkdir -p "$2/nginx-tmp"/{body,proxy,fastcgi,uwsgi,scgi}
    # ip netns exec directly (not through a function), so $! is nginx itself.
    ip netns exec "$1" nginx -c "$2/nginx.conf" -p "$2" -e "$2/nginx-error.log" \
        >"$2/logs/nginx.log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    wait_for "$3" "nginx on https://$4/" \
        ip netns exec "$1" "${clean_env[@]}" curl -sf --cacert "$5" "${curl_args[@]}" \
        "https://$4/index.html"
}

# start_tracker NS BIN_DIR ADDRESS REGISTRY LOG SECONDS [TRACKER_ARGS...]: aciswarm-tracker on
# ADDRESS (HTTP and UDP) locked to the torrents below REGISTRY, waited for until its whitelist
# has them and its HTTP listener is bound.
start_tracker() {
    ip netns exec "$1" "$2/aciswarm-tracker" --http="$3" --udp="$3" --dir="$4" --workers=1 \
        "${@:7}" >"$5" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    wait_for "$6" "the tracker's whitelist" grep -q 'whitelist: [1-9]' "$5"
    wait_for "$6" "the tracker's HTTP listener" grep -q 'listening http' "$5"
}

# super_seed_option BIN_DIR: prints --super-seed=true when that build's seed has the option.
super_seed_option() {
    [[ "$("$1/aciswarm" seed --help 2>&1)" == *--super-seed* ]] && echo --super-seed=true
    return 0
}

# start_everseed NS BIN_DIR REGISTRY LISTEN TRACKER_ADDRESS LOG SECONDS [SEED_ARGS...]: the
# everseed (every image below REGISTRY, permanently), waited for until it seeds and its
# announce has reached the tracker (so every agent gets it as a peer).
start_everseed() {
    local ns="$1" bin="$2" registry="$3" listen="$4" tracker="$5" log_file="$6" secs="$7"
    shift 7
    ip netns exec "$ns" "${clean_env[@]}" "$bin/aciswarm" seed --dir="$registry" \
        --listen="$listen" "$@" >"$log_file" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    wait_for "$secs" "the everseed" grep -q 'seeding ' "$log_file"
    wait_for "$secs" "the everseed in the tracker's swarm" \
        sh -c "ip netns exec '$ns' curl -sf http://$tracker/stats | grep -q '\"seeders\": *[1-9]'"
}

# fetch_summary LOG: the fetch's final "via …: N bytes from peers, M from web seeds, K over
# HTTPS" line, or nothing.
fetch_summary() {
    grep -o 'via [a-z]*: [0-9]* bytes from peers, [0-9]* from web seeds, [0-9]* over HTTPS' \
        "$1" 2>/dev/null | tail -n1 || true
}
