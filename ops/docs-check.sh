#!/usr/bin/env bash
# Runs what the documentation shows, so that README.md and docs/ cannot drift from the code.
#
#   ops/docs-check.sh
#
# Every fenced block of README.md and docs/*.md has, on the line before it, a tag
# `<!-- ci: KIND -->` saying how it is checked here; a block without one fails the check.
#
#   plain           sh: every command as written, from a scratch copy of the checkout (relative
#                   paths such as ./zk or docs/benchmark-results.jsonl land in the copy)
#   bench           sh: as plain, at a small size (the substitutions in `smaller` below: the docs'
#                   figures are from the full size, which takes minutes to hours). The simulator's
#                   scenarios must reproduce docs/benchmark-results.jsonl in all but the timings.
#   demo-start      sh: started and left running (ops/demo.sh); then the demo blocks run against it
#   demo            sh: against that demo
#   demo-answer P   json: an answer of the demo's REST API; every field it shows is in the live
#                   answer of GET P
#   real-start      sh: the production layout on one machine, run by e2e RealStartIT: a ZooKeeper
#                   ensemble, the example configurations of ops/ relocated, the block's commands
#   prometheus migration-hashmod|migration-promshard|migration-master
#                   also walked through by e2e MigrationGuideIT: two hashmod shards from the first
#                   block (modulus 2), then the guide's steps with promshard beside them, the second
#                   block added and then switched to, the master on federation.json
#   cluster-start   sh: the local cluster (ops/local-cluster.sh); started by e2e LocalClusterIT
#   cluster         sh: the runbook against that cluster, run by e2e LocalClusterIT as written:
#                   `promshardctl` is the client jar given both coordinators and the cluster's token,
#                   <coordinator> is 127.0.0.1, prom-7 is the cluster's last worker, and `systemctl
#                   stop promshard-sidecar prometheus` stops that worker's sidecar and Prometheus
#   ci              sh: CI itself (.ci/run runs ops/test.sh, which runs this)
#   prometheus      yaml: a Prometheus configuration (scrape_configs entries alone are wrapped in
#                   `scrape_configs:`), `promtool check config`
#   coordinator     yaml: a coordinator configuration, parsed and validated as its `check` reads it
#   promql          one query per line, `promtool check rules` (as recording rules)
#   figure          a drawing; not checked
# The ci, prometheus, coordinator and promql blocks, and every `promshardctl <command>` the prose
# names, are checked by DocumentationBlocksTest (coordinator tests, run by mvn verify); this
# script checks every block's tag and runs the shell blocks.
#
# In a `*-start` block every command but `mvn` runs in the background until the end of its context.
# A `java` command already run in the same context, or a `mvn` command already run, is not run again.
# Ports are shifted by PROMSHARD_PORT_OFFSET (default 0) everywhere, in the commands too.
# PROMSHARD_DOCS_ONLY="demo bench" runs only those parts (of: plain bench demo).
# Needs java, curl, jq, prometheus and promtool; ops/test.sh installs them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
off=${PROMSHARD_PORT_OFFSET:-0}
for tool in java curl jq prometheus promtool; do
  command -v "$tool" >/dev/null || { echo "docs: $tool is required (ops/test.sh installs it)" >&2; exit 1; }
done
for jar in coordinator/target/promshard-coordinator.jar worker-sidecar/target/promshard-worker-sidecar.jar \
    client/target/promshardctl.jar benchmarks/target/promshard-benchmarks.jar; do
  [ -f "$root/$jar" ] || { echo "docs: $jar is missing: build first (mvn -DskipTests package)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/promshard-docs.XXXXXX")
sandbox=$work/checkout
status=0
services=()                # pids of what a context left running
cleanup() {
  declare -F stop_services >/dev/null && stop_services
  for z in "$work"/zk-*; do [ -d "$z" ] && "$sandbox/ops/zk-ensemble.sh" stop "$z" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port() { echo $(( $1 + off )); }
want() { [ -z "${PROMSHARD_DOCS_ONLY:-}" ] || [[ " $PROMSHARD_DOCS_ONLY " == *" $1 "* ]]; }
fail() { echo "docs: FAILED: $*" >&2; status=1; }

# --- the blocks -------------------------------------------------------------------------------
mkdir -p "$work/blocks"
(cd "$root" && awk -v dir="$work/blocks" '
  /^<!-- ci: .* -->$/ { tag = $0; sub(/^<!-- ci: /, "", tag); sub(/ -->$/, "", tag); tagged = FNR; next }
  /^```/ {
    if (inblock) { inblock = 0; close(out); next }
    inblock = 1; n++; out = dir "/" n
    printf "%d|%s:%d|%s|%s\n", n, FILENAME, FNR, substr($0, 4), (tagged == FNR - 1 ? tag : "") >> (dir "/index")
    printf "" > out
    next
  }
  inblock { print > out }
' README.md docs/*.md)
blocks_of() { # kind -> "n place lang" lines, in document order
  awk -F'|' -v k="$1" '$4 == k || index($4, k " ") == 1 { print $1 "|" $2 "|" $3 }' "$work/blocks/index"
}
commands_of() { # block number -> its commands, one per line (continuations joined, comments cut)
  sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' "$work/blocks/$1" \
    | sed -E 's/[[:space:]]{2,}#.*$//; s/^[[:space:]]+//; s/[[:space:]]+$//' | grep -v -e '^#' -e '^$' || true
}

kinds="plain bench demo-start demo demo-answer real-start cluster-start cluster ci prometheus coordinator promql figure"
while IFS='|' read -r n place lang tag; do
  kind=${tag%% *}
  if [ -z "$tag" ]; then
    fail "$place: a \`\`\`$lang block without a <!-- ci: KIND --> tag on the line before it (ops/docs-check.sh lists the kinds)"
  elif ! [[ " $kinds " == *" $kind "* ]]; then
    fail "$place: unknown tag \"$tag\" (one of: $kinds)"
  fi
done < "$work/blocks/index"
[ "$status" -eq 0 ] || exit 1
echo "docs: $(wc -l < "$work/blocks/index") blocks in README.md and docs/"

# --- the scratch checkout: the repository's directories linked, docs/ and ops/ copied ----------
mkdir -p "$sandbox"
for entry in "$root"/*; do
  name=$(basename "$entry")
  case "$name" in
    docs|ops) cp -r "$entry" "$sandbox/$name" ;;
    *) ln -s "$entry" "$sandbox/$name" ;;
  esac
done
export PROMSHARD_ZK_BASE_PORT=$(port 2181) PROMSHARD_ZK_QUORUM_BASE=$(port 2888)

# --- running commands ---------------------------------------------------------------------------
ran=" "                    # a `java` command is run once per context, a `mvn` one once
blocks_run=0
run_block() { # context place limit command...: one block as one script, from the scratch checkout
  local ctx=$1 place=$2 limit=$3 cmd log script key
  shift 3
  script=$work/block-$RANDOM.sh
  log=$script.log
  { echo "set -euo pipefail"; echo "source '$work/prelude-$ctx.sh'"
    for cmd in "$@"; do
      key="[$ctx] $cmd"
      [[ "$cmd" == mvn\ * ]] && key="[build] $cmd"
      if [[ "$cmd" == mvn\ * || "$cmd" == java\ * ]] && [[ "$ran" == *" $key "* ]]; then
        printf 'printf "\\n%%s\\n" %q\n' "\$ $cmd   (ran above)"; continue
      fi
      ran="$ran $key "
      printf 'printf "\\n%%s\\n" %q\n%s\n' "\$ $cmd" "$cmd"
    done; } > "$script"
  echo "docs: $place"
  blocks_run=$((blocks_run + 1))
  if ! (cd "$sandbox" && timeout "$limit" bash "$script") < /dev/null > "$log" 2>&1; then
    { grep '^\$ ' "$log"; echo "    ..."; grep -v '^$' "$log" | tail -n 25 | sed 's/^/    /'; } | cut -c1-300 >&2
    fail "$place: a command failed (above)"
    return 1
  fi
  { grep '^\$ ' "$log" | sed 's/^/  /'; grep -v -e '^\$ ' -e '^$' "$log" | tail -n 3 | sed 's/^/    /'; } | cut -c1-200 || true
}
start() { # context place command log: in the background until stop_services
  local ctx=$1 place=$2 cmd=$3 log=$4
  echo "docs: $place \$ $cmd &"
  : > "$log"
  (cd "$sandbox" && exec setsid bash -c "source '$work/prelude-$ctx.sh'; exec $cmd") < /dev/null > "$log" 2>&1 &
  services+=($!)
}
stop_services() {
  local pid
  for pid in "${services[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 120); do
    local alive=false
    for pid in "${services[@]}"; do kill -0 "$pid" 2>/dev/null && alive=true; done
    $alive || break
    sleep 0.25
  done
  for pid in "${services[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  services=()
}
wait_until() { # description seconds command...: polls
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  fail "timed out after ${seconds}s waiting for $what"
  return 1
}
run_blocks() { # kind context [limit]: every block of that kind, each as one script
  local kind=$1 ctx=$2 limit=${3:-300} n place lang cmds
  while IFS='|' read -r n place lang; do
    mapfile -t cmds < <(commands_of "$n" | while IFS= read -r c; do substitute "$ctx" "$c"; done)
    run_block "$ctx" "$place" "$limit" "${cmds[@]}" || true
  done < <(blocks_of "$kind")
}
start_blocks() { # kind context logdir: mvn in the foreground, the rest in the background
  local kind=$1 ctx=$2 logs=$3 n place lang cmd i=0
  mkdir -p "$logs"
  while IFS='|' read -r n place lang; do
    while IFS= read -r cmd; do
      cmd=$(substitute "$ctx" "$cmd")
      if [[ "$cmd" == mvn\ * ]]; then run_block "$ctx" "$place" 600 "$cmd" || return 1
      else i=$((i + 1)); start "$ctx" "$place" "$cmd" "$logs/$i.log"; fi
    done < <(commands_of "$n")
  done < <(blocks_of "$kind")
}
substitute() { # context command -> the command as this machine runs it
  local ctx=$1 cmd=$2
  case "$ctx" in
    bench) cmd=$(smaller "$cmd") ;;
  esac
  [ "$off" -eq 0 ] || cmd=$(sed -E "s/127\\.0\\.0\\.1:8080([^0-9]|\$)/127.0.0.1:$(port 8080)\\1/g" <<< "$cmd")
  printf '%s\n' "$cmd"
}
smaller() { # a benchmark command at a size CI runs in a minute or two
  local cmd
  cmd=$(sed -E -e 's/--workers 1000 --targets 1000000 --events 5/--workers 4 --targets 400 --events 1/' \
    -e 's/--workers 100 --targets 100000 --events 5/--workers 4 --targets 400 --events 1/' \
    -e 's/ -wi 6 -i 10 -w 2 -r 1 / -wi 0 -i 1 -w 1 -r 1 -p scale=100000:100 /' \
    -e 's/inventory-files --files 20000 --idle-seconds 30 --changes 10/inventory-files --files 2000 --idle-seconds 2 --changes 3/' \
    -e 's/race --exporters 200 --scrape-seconds 5 --observe-intervals 6/race --exporters 8 --scrape-seconds 2 --observe-intervals 3 --contenders hashmod/' <<< "$1")
  if [[ "$cmd" == *" scale "* && "$cmd" != *"--workers 4 --targets 400 --events 1"* ]] \
      || [[ "$cmd" == *" jmh "* && "$cmd" != *" -wi 0 -i 1 "* ]] \
      || [[ "$cmd" == *" inventory-files "* && "$cmd" != *"--files 2000 "* ]] \
      || [[ "$cmd" == *" race "* && "$cmd" != *"--exporters 8 "* ]]; then
    # a full-size run would take CI hours: the substitutions above must know the docs' sizes
    printf 'echo %q >&2; false\n' "no small size for this command in ops/docs-check.sh (smaller): $1"
  else
    printf '%s\n' "$cmd"
  fi
}
for ctx in plain bench demo; do : > "$work/prelude-$ctx.sh"; done

# --- plain commands ---------------------------------------------------------------------------
check_plain() {
  run_blocks plain plain
}

results_table() { # benchmark-results.jsonl -> the rows of the simulator table in docs/benchmarks.md
  jq -r '[.targets, .workers, .event, .weights, .replication, .balance_count, .balance_weight,
          .balance_weight_lower_bound, .moved_fraction, .minimum_fraction, .ratio_to_minimum, .hashmod.balance_count,
          .hashmod.balance_weight, .hashmod.moved_fraction, .hashmod.ratio_to_minimum] | @tsv' "$1" \
  | awk -F'\t' '
      function grouped(n,  s, r) { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
      { printf "| %s | %s | %s | %s | %d | %.3f | %.3f (%.2f) | %.2f%% | %.2f%% | **%.3f** | %.3f / %.3f | %.1f%% | %.1f |\n",
          grouped($1), grouped($2), $3, $4, $5, $6, $7, $8, 100 * $9, 100 * $10, $11, $12, $13, 100 * $14, $15 }'
}

# --- benchmarks, at a small size ---------------------------------------------------------------------------
check_bench() {
  run_blocks bench bench 600
  results=$sandbox/docs/benchmark-results.jsonl
  if [ -s "$results" ] && ! cmp -s "$results" "$root/docs/benchmark-results.jsonl"; then
    deterministic='del(.. | objects | .compute_ms?, .full_compute_ms?, .heap_mb?) | tojson'
    if ! diff <(jq -c "$deterministic" "$root/docs/benchmark-results.jsonl") <(jq -c "$deterministic" "$results") > "$work/results.diff"; then
      sed 's/^/    /' "$work/results.diff" >&2
      fail "docs/benchmark-results.jsonl is not what benchmarks/scenarios.sh prints now (re-record it and the table in docs/benchmarks.md)"
    else
      echo "docs: benchmarks/scenarios.sh reproduces docs/benchmark-results.jsonl (timings aside)"
    fi
  elif [ ! -s "$results" ]; then
    fail "no block ran benchmarks/scenarios.sh > docs/benchmark-results.jsonl"
  fi
  # and the table in docs/benchmarks.md is those results
  local row missing=0
  while IFS= read -r row; do
    grep -q -F -x -- "$row" "$root/docs/benchmarks.md" || { echo "    $row" >&2; missing=$((missing + 1)); }
  done < <(results_table "$root/docs/benchmark-results.jsonl")
  [ "$missing" -eq 0 ] && echo "docs: the table in docs/benchmarks.md is docs/benchmark-results.jsonl" \
    || fail "docs/benchmarks.md lacks $missing rows of docs/benchmark-results.jsonl (above, as they should read)"
}

# --- the demo -----------------------------------------------------------------------------------
check_demo() {
  export PROMSHARD_HTTP_PORT=$(port 8080) PROMSHARD_ADMIN_PORT=$(port 8081) PROMSHARD_ZK_PORT=$(port 2181) \
    PROMSHARD_SIDECAR_PORT_BASE=$(port 8100)
  echo "export PROMSHARD_COORDINATOR=http://127.0.0.1:$(port 8080)" > "$work/prelude-demo.sh"
  demo_api=http://127.0.0.1:$(port 8080)/api/v1
  # every field of a JSON answer as a dotted path, array indexes as 0
  local fields='[paths(scalars) | map(if type == "number" then 0 else . end) | join(".")] | unique | .[]'
  start_blocks demo-start demo "$work/logs-demo"
  if wait_until "the demo to be running" 180 grep -q 'demo: running' "$work"/logs-demo/*.log; then
    run_blocks demo demo
    while IFS='|' read -r n place lang tag; do
      path=${tag#demo-answer }
      echo "docs: $place: the fields of GET $path"
      shown=$(jq -r "$fields" "$work/blocks/$n") \
        || { fail "$place: not JSON"; continue; }
      live=$(curl -fsS "http://127.0.0.1:$(port 8080)$path" | jq -r "$fields") \
        || { fail "$place: GET $path"; continue; }
      missing=$(comm -23 <(sort <<< "$shown") <(sort <<< "$live"))
      [ -z "$missing" ] || fail "$place: fields the docs show that GET $path does not answer: $(echo $missing)"
    done < <(awk -F'|' 'index($4, "demo-answer ") == 1' "$work/blocks/index")
  else
    tail -n 20 "$work"/logs-demo/*.log | sed 's/^/    /' >&2
  fi
  stop_services
  if curl -fsS "$demo_api/status" >/dev/null 2>&1; then fail "the demo still answers after it was stopped"; fi
}

# walked through by the end-to-end suite instead: the README's real-start block (RealStartIT), the
# migration guide (MigrationGuideIT), the local cluster and its runbook (LocalClusterIT)
for part in plain bench demo; do
  if want "$part"; then "check_$part"; fi
done

if [ "$status" -eq 0 ]; then
  echo "docs: every block of README.md and docs/ checked ($blocks_run run as scripts here; configurations and queries by DocumentationBlocksTest; the real start, the migration guide and the runbook by RealStartIT, MigrationGuideIT and LocalClusterIT)"
fi
exit "$status"
