#!/usr/bin/env bash
# promshard demo: a coordinator with an embedded ZooKeeper, three worker sidecars and a sample
# inventory; then a fourth sidecar joins and one leaves, and the demo shows which targets moved.
#
#   ops/demo.sh [--once] [DIR]
#
# DIR defaults to ./promshard-demo; everything is written below it (each sidecar's file_sd files
# in DIR/<worker>/). It builds the jars first when they are missing, runs until interrupted, and
# with --once exits after the join and the leave (non-zero if a check failed).
# Ports (all on 127.0.0.1): REST 8080, admin 8081, ZooKeeper 2181, sidecars 8101-8104 (admin
# 8201-8204); override with PROMSHARD_HTTP_PORT, PROMSHARD_ADMIN_PORT, PROMSHARD_ZK_PORT,
# PROMSHARD_SIDECAR_PORT_BASE.
set -euo pipefail

once=false
if [ "${1:-}" = "--once" ]; then once=true; shift; fi
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-./promshard-demo}
http_port=${PROMSHARD_HTTP_PORT:-8080}
admin_port=${PROMSHARD_ADMIN_PORT:-8081}
zk_port=${PROMSHARD_ZK_PORT:-2181}
sidecar_base=${PROMSHARD_SIDECAR_PORT_BASE:-8100}
coordinator_jar=$root/coordinator/target/promshard-coordinator.jar
sidecar_jar=$root/worker-sidecar/target/promshard-worker-sidecar.jar
api=http://127.0.0.1:$http_port/api/v1

command -v java >/dev/null || { echo "demo: java (17 or later) is required" >&2; exit 1; }
command -v curl >/dev/null || { echo "demo: curl is required" >&2; exit 1; }
if [ ! -f "$coordinator_jar" ] || [ ! -f "$sidecar_jar" ] || [ ! -f "$root/client/target/promshardctl.jar" ]; then
  echo "demo: building the jars (mvn -DskipTests package) ..."
  (cd "$root" && mvn -q -DskipTests package)
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "$dir/zookeeper" "$dir/output" "$dir"/w[0-9] "$dir/logs"
mkdir -p "$dir/inventory/node" "$dir/inventory/blackbox" "$dir/logs" "$dir/output"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- sample inventory: the same file_sd files a hashmod setup would read -------------------
for rack in 1 2; do
  {
    echo "# node exporters of rack $rack"
    echo "- labels: {rack: r$rack, env: demo}"
    echo "  targets:"
    for i in $(seq 1 40); do echo "    - 127.0.0.1:$((19000 + rack * 100 + i))"; done
  } > "$dir/inventory/node/rack$rack.yml"
done
{
  # probes as blackbox_exporter users write them: URLs; the job's relabelConfigs make them probes
  echo '[{"labels": {"module": "http_2xx"}, "targets": ['
  for i in $(seq 1 39); do printf '"http://127.0.0.1:%d/health",' $((29000 + i)); done
  echo '"http://127.0.0.1:29040/health"]}]'
} > "$dir/inventory/blackbox/probes.json"

cat > "$dir/coordinator.yml" <<YAML
zookeeper:
  connectString: ""            # empty: start an embedded ZooKeeper
  cluster: demo
embeddedZooKeeper:
  port: $zk_port
  dataDirectory: $dir/zookeeper
inventory:
  jobs:
    - name: node
      files: ["$dir/inventory/node/*.yml"]
    - name: blackbox
      files: ["$dir/inventory/blackbox/*.json"]
      relabelConfigs:          # the job's relabel rules, moved from the scrapers (docs/migration.md)
        - {source_labels: [__address__], target_label: __param_target}
        - {source_labels: [__param_target], target_label: instance}
        - {target_label: __address__, replacement: "127.0.0.1:9115"}
        - {target_label: __metrics_path__, replacement: /probe}
assignment:
  settleTime: 1s
  reassignmentDelay: 3s        # a stopped worker's targets wait this long (a restart moves nothing)
api:
  token: demo-token            # for drain, undrain and managed targets (promshardctl --token demo-token)
outputDirectory: $dir/output
server:
  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: $http_port}]
  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: $admin_port}]
logging:
  level: INFO
  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
YAML

sidecar_config() { # worker number
  local n=$1
  cat > "$dir/w$n.yml" <<YAML
zookeeper:
  connectString: 127.0.0.1:$zk_port
  cluster: demo
worker:
  id: w$n
  prometheusUrl: http://127.0.0.1:$((9090 + n))
  sidecarUrl: http://127.0.0.1:$((sidecar_base + n))
prometheus:
  enabled: false   # the demo runs no Prometheus: workers are ACTIVE at once and acknowledge written files
outputDirectory: $dir/w$n
server:
  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: $((sidecar_base + n))}]
  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: $((sidecar_base + 100 + n))}]
logging:
  level: INFO
  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
YAML
}

declare -A sidecar_pid
start_sidecar() {
  sidecar_config "$1"
  java -jar "$sidecar_jar" server "$dir/w$1.yml" > "$dir/logs/w$1.log" 2>&1 &
  sidecar_pid[$1]=$!
  pids+=($!)
}

# owners: one "job/target worker" line per target found in the sidecars' files (a probe is named
# by its __param_target: all of them share the exporter's address)
owners() {
  local f w job
  for f in "$dir"/w[0-9]/*.json; do
    [ -e "$f" ] || continue
    w=$(basename "$(dirname "$f")"); job=$(basename "$f" .json)
    if grep -q '"__param_target"' "$f"; then
      grep -o '"__param_target" *: *"[^"]*"' "$f" | sed 's/.*: *"//; s/"$//'
    else
      grep -o '"[0-9.]*:[0-9]*"' "$f" | tr -d '"'
    fi | sed "s|^|$job/|; s|\$| $w|"
  done | sort
}

total=$(( 2 * 40 + 40 ))
wait_for() { # description, command...; polls up to 60 s
  local what=$1; shift
  for _ in $(seq 1 240); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  echo "demo: timed out waiting for $what (logs in $dir/logs)" >&2
  exit 1
}
settled() { # expected worker list
  local expected=$1 o
  o=$(owners)
  [ "$(echo "$o" | grep -c .)" -eq "$total" ] || return 1
  [ "$(echo "$o" | cut -d' ' -f1 | sort -u | wc -l)" -eq "$total" ] || return 1
  [ "$(echo "$o" | cut -d' ' -f2 | sort -u | tr '\n' ' ')" = "$expected " ]
}
show() {
  local o=$1 w
  for w in $(echo "$o" | cut -d' ' -f2 | sort -u); do
    printf '  %s: %3d targets in %s/%s/\n' "$w" "$(echo "$o" | grep -c " $w\$")" "$dir" "$w"
  done
}
moved() { # before after -> count of targets whose owner changed
  join <(echo "$1") <(echo "$2") | awk '$2 != $3' | wc -l
}

echo "demo: writing everything under $dir"
echo "demo: starting the coordinator (embedded ZooKeeper on 127.0.0.1:$zk_port)"
java -jar "$coordinator_jar" server "$dir/coordinator.yml" > "$dir/logs/coordinator.log" 2>&1 &
pids+=($!)
wait_for "the coordinator's REST API" curl -fsS "$api/status"

for n in 1 2 3; do start_sidecar "$n"; done
wait_for "three workers to hold all $total targets" settled "w1 w2 w3"
before=$(owners)
echo "demo: 3 workers share $total targets"
show "$before"

status=0
echo "demo: worker w4 joins"
start_sidecar 4
wait_for "w4 to take its share" settled "w1 w2 w3 w4"
after=$(owners)
show "$after"
n_moved=$(moved "$before" "$after")
to_w4=$(echo "$after" | grep -c ' w4$')
echo "demo: $n_moved of $total targets moved, all of them to w4 (the minimum is about $((total / 4)))"
if [ "$n_moved" -ne "$to_w4" ]; then echo "demo: CHECK FAILED: targets moved between old workers" >&2; status=1; fi

echo "demo: worker w2 stops; its targets move once the reassignment delay (3 s) has passed"
before=$after
w2_share=$(echo "$before" | grep -c ' w2$')
kill "${sidecar_pid[2]}"
wait "${sidecar_pid[2]}" 2>/dev/null || true
rm -rf "$dir/w2"   # its Prometheus would be gone with it; keep only the live workers' files in view
wait_for "w2's targets to move" settled "w1 w3 w4"
after=$(owners)
show "$after"
n_moved=$(join <(echo "$before" | grep -v ' w2$') <(echo "$after") | awk '$2 != $3' | wc -l)
echo "demo: w2's $w2_share targets moved to the others; $n_moved other targets moved"
if [ "$n_moved" -ne 0 ]; then echo "demo: CHECK FAILED: targets of live workers moved" >&2; status=1; fi

echo
echo "demo: files under $dir (one directory per worker; federation list in $dir/output/federation.json)"
echo "demo: REST API: $api/status  $api/workers  $api/assignments/w1"
curl -fsS "$api/status"; echo
echo "demo: dashboard: http://127.0.0.1:$http_port/ (API token for drain and managed targets: demo-token)"
ctl=(java -jar "$root/client/target/promshardctl.jar" --coordinator "http://127.0.0.1:$http_port")
echo "demo: \$ promshardctl status"
"${ctl[@]}" status || { echo "demo: CHECK FAILED: promshardctl status" >&2; status=1; }
echo "demo: \$ promshardctl owner node 127.0.0.1:19101"
"${ctl[@]}" owner node 127.0.0.1:19101 || { echo "demo: CHECK FAILED: promshardctl owner" >&2; status=1; }
if $once; then exit $status; fi
echo "demo: running; press Ctrl-C to stop"
wait
