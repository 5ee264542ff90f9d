#!/usr/bin/env bash
# promshard as it runs for real, on one machine: a 3-node ZooKeeper ensemble (ops/zk-ensemble.sh),
# two coordinators (one leads, the other stands by), N worker sidecars and, when Prometheus is
# installed, one Prometheus per worker reading its sidecar's file_sd files plus a master that
# federates from the live workers through the coordinators' federation.json. Everything listens on
# 127.0.0.1 and writes under DIR.
#
#   ops/local-cluster.sh [--workers N] [--once] [DIR]
#
# DIR defaults to ./promshard-cluster; N to 3. Runs until Ctrl-C. With --once it exits once the
# cluster is up (every target owned, every worker Prometheus scraping its share, the master
# federating from every worker), non-zero if it did not come up. The runbook against it and a
# leader failover are walked through by the end-to-end suite (e2e LocalClusterIT).
# Ports: ZooKeeper 2181-2183 (quorum 2888-2890, 3888-3890), coordinators 8080/8081 and 8090/8091,
# sidecars 8101.. (admin 8201..), worker Prometheus 9091.., master 9090. Shift them all with
# PROMSHARD_PORT_OFFSET (added to each).
set -euo pipefail

workers=3
once=false
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --once) once=true; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-./promshard-cluster}
off=${PROMSHARD_PORT_OFFSET:-0}
coordinator_jar=$root/coordinator/target/promshard-coordinator.jar
sidecar_jar=$root/worker-sidecar/target/promshard-worker-sidecar.jar
ctl_jar=$root/client/target/promshardctl.jar

command -v java >/dev/null || { echo "cluster: java (17 or later) is required" >&2; exit 1; }
command -v curl >/dev/null || { echo "cluster: curl is required" >&2; exit 1; }
if [ ! -f "$coordinator_jar" ] || [ ! -f "$sidecar_jar" ] || [ ! -f "$ctl_jar" ]; then
  echo "cluster: building the jars (mvn -DskipTests package) ..."
  (cd "$root" && mvn -q -DskipTests package)
fi
with_prometheus=false
command -v prometheus >/dev/null 2>&1 && with_prometheus=true

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "$dir/logs" "$dir/inventory" "$dir"/coordinator-* "$dir"/w[0-9]* "$dir/master"
mkdir -p "$dir/logs" "$dir/inventory/node"

export PROMSHARD_ZK_BASE_PORT=$((2181 + off)) PROMSHARD_ZK_QUORUM_BASE=$((2888 + off))
connect="127.0.0.1:$((2181 + off)),127.0.0.1:$((2182 + off)),127.0.0.1:$((2183 + off))"
token=${PROMSHARD_TOKEN:-local-cluster-token}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$root/ops/zk-ensemble.sh" stop "$dir/zookeeper" >/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_for() { # description, command...; polls up to 90 s
  local what=$1; shift
  for _ in $(seq 1 360); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  echo "cluster: timed out waiting for $what (logs in $dir/logs; their ends follow)" >&2
  tail -n 15 "$dir"/logs/*.log >&2 2>/dev/null
  exit 1
}

"$root/ops/zk-ensemble.sh" start "$dir/zookeeper"

# --- inventory: 3 racks of node exporters (the same file_sd files a hashmod setup reads) -----
total=0
for rack in 1 2 3; do
  {
    echo "- labels: {rack: r$rack}"
    echo "  targets:"
    for i in $(seq 1 50); do echo "    - 127.0.0.1:$((19000 + rack * 100 + i))"; total=$((total + 1)); done
  } > "$dir/inventory/node/rack$rack.yml"
done

# --- two coordinators ------------------------------------------------------------------------
coordinator_port() { echo $(( (8080 + ($1 - 1) * 10) + off )); }
for c in 1 2; do
  mkdir -p "$dir/coordinator-$c"
  cat > "$dir/coordinator-$c/coordinator.yml" <<YAML
zookeeper:
  connectString: "$connect"
  cluster: local
coordinatorId: coordinator-$c
inventory:
  refreshInterval: 5s
  jobs:
    - name: node
      files: ["$dir/inventory/node/*.yml"]
assignment:
  settleTime: 1s
  reassignmentDelay: 10s
api:
  token: $token                # for drain/undrain and managed targets (promshardctl --token)
outputDirectory: $dir/coordinator-$c/output
server:
  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: $(coordinator_port $c)}]
  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: $(( $(coordinator_port $c) + 1 ))}]
logging:
  level: INFO
  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
YAML
  java -Xmx512m -jar "$coordinator_jar" server "$dir/coordinator-$c/coordinator.yml" \
    > "$dir/logs/coordinator-$c.log" 2>&1 &
  pids+=($!)
done
api() { echo "http://127.0.0.1:$(coordinator_port "$1")/api/v1"; }
wait_for "coordinator-1's REST API" curl -fsS "$(api 1)/status"
wait_for "coordinator-2's REST API" curl -fsS "$(api 2)/status"

# --- N sidecars, each with its Prometheus when installed ---------------------------------------
for n in $(seq 1 "$workers"); do
  w=w$n
  mkdir -p "$dir/$w/sd"
  prom=$((9090 + n + off))
  cat > "$dir/$w/sidecar.yml" <<YAML
zookeeper:
  connectString: "$connect"
  cluster: local
worker:
  id: $w
  prometheusUrl: http://127.0.0.1:$prom
  sidecarUrl: http://127.0.0.1:$((8100 + n + off))
prometheus:
  enabled: $with_prometheus
outputDirectory: $dir/$w/sd
server:
  applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: $((8100 + n + off))}]
  adminConnectors: [{type: http, bindHost: 127.0.0.1, port: $((8200 + n + off))}]
logging:
  level: INFO
  loggers: {org.apache.zookeeper: WARN, org.apache.curator: WARN, org.eclipse.jetty: WARN}
YAML
  if $with_prometheus; then
    cat > "$dir/$w/prometheus.yml" <<YAML
global: {scrape_interval: 5s, scrape_timeout: 4s, external_labels: {promshard_worker: $w}}
scrape_configs:
  - job_name: node
    # as ops/prometheus/worker.yml: a re-read every minute behind the file watch
    file_sd_configs: [{files: ["$dir/$w/sd/node.json"], refresh_interval: 1m}]
YAML
    prometheus --config.file="$dir/$w/prometheus.yml" --storage.tsdb.path="$dir/$w/data" \
      --web.listen-address="127.0.0.1:$prom" > "$dir/logs/prometheus-$w.log" 2>&1 &
    pids+=($!)
  fi
  java -Xmx256m -jar "$sidecar_jar" server "$dir/$w/sidecar.yml" > "$dir/logs/sidecar-$w.log" 2>&1 &
  pids+=($!)
done
master=$((9090 + off))
if $with_prometheus; then
  mkdir -p "$dir/master"
  cp "$root/ops/prometheus/promshard-alerts.yml" "$dir/master/"
  cat > "$dir/master/prometheus.yml" <<YAML
global: {scrape_interval: 5s, scrape_timeout: 4s, evaluation_interval: 5s}
rule_files: [promshard-alerts.yml]
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params: {"match[]": ['{job="node"}']}
    file_sd_configs: [{files: ["$dir/coordinator-1/output/federation.json"]}]
  - job_name: promshard-coordinator
    static_configs: [{targets: ["127.0.0.1:$(coordinator_port 1)", "127.0.0.1:$(coordinator_port 2)"]}]
  - job_name: promshard-sidecar
    static_configs: [{targets: [$(for n in $(seq 1 "$workers"); do printf '"127.0.0.1:%d",' $((8100 + n + off)); done | sed 's/,$//')]}]
YAML
  prometheus --config.file="$dir/master/prometheus.yml" --storage.tsdb.path="$dir/master/data" \
    --web.listen-address="127.0.0.1:$master" > "$dir/logs/prometheus-master.log" 2>&1 &
  pids+=($!)
fi

leader() { curl -fsS "$(api "$1")/status" | grep -o '"leader":"[^"]*"' | cut -d'"' -f4; }
owned_total() { # targets in the sidecars' files
  cat "$dir"/w*/sd/node.json 2>/dev/null | grep -o '"127.0.0.1:[0-9]*"' | sort -u | wc -l
}
all_owned() { [ "$(owned_total)" -eq "$total" ]; }
wait_for "$workers workers to hold all $total targets" all_owned
echo "cluster: $workers workers hold all $total targets; leader: $(leader 1)"

if $with_prometheus; then
  scraping() { # every worker Prometheus has as many active targets as its sidecar's file
    local n f p
    for n in $(seq 1 "$workers"); do
      f=$(grep -o '"127.0.0.1:[0-9]*"' "$dir/w$n/sd/node.json" | wc -l)
      p=$(curl -fsS "http://127.0.0.1:$((9090 + n + off))/api/v1/targets?state=active" | grep -o '"scrapePool":"node"' | wc -l)
      [ "$f" -gt 0 ] && [ "$f" -eq "$p" ] || return 1
    done
  }
  federating() { # the master scrapes every live worker through federation.json
    [ "$(curl -fsS "http://127.0.0.1:$master/api/v1/targets?state=active" | grep -o '"scrapePool":"federate"' | wc -l)" -eq "$workers" ]
  }
  wait_for "every worker Prometheus to scrape its share" scraping
  wait_for "the master to federate from $workers workers" federating
  echo "cluster: $workers worker Prometheus servers scrape their shares; the master federates from all of them"
else
  echo "cluster: prometheus is not installed: the sidecars run without it (apt-get install prometheus)"
fi

echo "cluster: dashboards http://127.0.0.1:$(coordinator_port 1)/ and http://127.0.0.1:$(coordinator_port 2)/ (leader: $(leader 1))"
coordinators="http://127.0.0.1:$(coordinator_port 1),http://127.0.0.1:$(coordinator_port 2)"
echo "cluster: REST API $(api 1)/status; promshardctl: java -jar $ctl_jar --coordinator $coordinators status"
$with_prometheus && echo "cluster: master Prometheus http://127.0.0.1:$master/"
echo "cluster: ZooKeeper $connect; everything under $dir; API token (drain, undrain): $token"

if $once; then
  "$root/ops/zk-ensemble.sh" status "$dir/zookeeper"
  echo "cluster: every check passed; stopping"
  exit 0
fi
echo "cluster: running; Ctrl-C stops everything (the ZooKeeper data stays in $dir/zookeeper)"
wait
