#!/usr/bin/env bash
# A real 3-node ZooKeeper ensemble on 127.0.0.1, from the project's own ZooKeeper dependency (the
# server classes ship in the coordinator jar): three separate processes, each with its own data
# directory, myid and log, quorum ports 2888/3888 + n, client ports 2181-2183.
#
#   ops/zk-ensemble.sh start [DIR]    start the three servers and wait until they form a quorum
#   ops/zk-ensemble.sh stop  [DIR]    stop them (the data stays in DIR)
#   ops/zk-ensemble.sh status [DIR]   each server's mode (leader/follower), from the srvr command
#
# DIR defaults to ./promshard-zk. Override the client ports with PROMSHARD_ZK_BASE_PORT (default
# 2181) and the quorum ports with PROMSHARD_ZK_QUORUM_BASE (default 2888; election ports +1000).
# The connect string to give coordinators and sidecars is printed on start.
set -euo pipefail

cmd=${1:-}
dir=${2:-./promshard-zk}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/coordinator/target/promshard-coordinator.jar
base=${PROMSHARD_ZK_BASE_PORT:-2181}
quorum=${PROMSHARD_ZK_QUORUM_BASE:-2888}

four() { # port word: a ZooKeeper four-letter command, its answer on stdout
  local out
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf '%s' "$2" >&3
  out=$(cat <&3) || true
  exec 3<&- 3>&-
  printf '%s\n' "$out"
}

mode() { four "$1" srvr 2>/dev/null | sed -n 's/^Mode: //p'; }

connect_string() {
  echo "127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
}

case "$cmd" in
  start)
    command -v java >/dev/null || { echo "zk-ensemble: java (17 or later) is required" >&2; exit 1; }
    if [ ! -f "$jar" ]; then
      echo "zk-ensemble: building the jars (mvn -DskipTests package) ..."
      (cd "$root" && mvn -q -DskipTests package)
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    for n in 1 2 3; do
      d=$dir/zk$n
      if [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null; then
        echo "zk-ensemble: server $n already runs (pid $(cat "$d/pid"))" >&2
        exit 1
      fi
      mkdir -p "$d/data"
      echo "$n" > "$d/data/myid"
      {
        echo "tickTime=2000"
        echo "initLimit=10"
        echo "syncLimit=5"
        echo "dataDir=$d/data"
        echo "clientPort=$((base + n - 1))"
        echo "clientPortAddress=127.0.0.1"
        echo "admin.enableServer=false"
        echo "4lw.commands.whitelist=ruok,srvr,mntr,wchs"
        echo "autopurge.snapRetainCount=3"
        echo "autopurge.purgeInterval=1"
        for m in 1 2 3; do
          echo "server.$m=127.0.0.1:$((quorum + m - 1)):$((quorum + 1000 + m - 1))"
        done
      } > "$d/zoo.cfg"
      # the servers outlive this script: started in their own session, output in their log
      setsid java -Xmx512m -Dzookeeper.log.dir="$d" -cp "$jar" \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg" > "$d/zookeeper.log" 2>&1 < /dev/null &
      echo $! > "$d/pid"
    done
    for _ in $(seq 1 120); do
      modes=""
      for n in 1 2 3; do modes="$modes $(mode $((base + n - 1)) || true)"; done
      if [ "$(echo "$modes" | grep -o leader | wc -l)" -eq 1 ] && [ "$(echo "$modes" | grep -o follower | wc -l)" -eq 2 ]; then
        echo "zk-ensemble: quorum formed (modes:$modes); connect string $(connect_string)"
        exit 0
      fi
      sleep 0.5
    done
    echo "zk-ensemble: no quorum after 60 s (modes:$modes); logs in $dir/zk*/zookeeper.log" >&2
    exit 1
    ;;
  stop)
    for n in 1 2 3; do
      p=$dir/zk$n/pid
      if [ -f "$p" ]; then
        kill "$(cat "$p")" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$(cat "$p")" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$(cat "$p")" 2>/dev/null || true
        rm -f "$p"
      fi
    done
    echo "zk-ensemble: stopped (data kept in $dir)"
    ;;
  status)
    for n in 1 2 3; do
      echo "server $n 127.0.0.1:$((base + n - 1)): $(mode $((base + n - 1)) || true)"
    done
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
