#!/usr/bin/env bash
# Runs every promshard test on a fresh machine: installs what is missing (Debian packages, as root:
# Java, Maven, curl, jq, Prometheus for the end-to-end suite and promtool, Chromium and ChromeDriver
# for the dashboard's browser test, systemd for systemd-analyze, lintian for the Debian package),
# runs the demo from the README once (ops/demo.sh --once) on spare ports, every block of the
# documentation (ops/docs-check.sh), then the Maven build with all unit, integration, application
# and end-to-end tests (e2e/: packaged jars, ZooKeeper as its own process, real Prometheus servers,
# the local cluster of ops/local-cluster.sh with the operations runbook and a failover, the release
# tarball unpacked and started, the Debian package installed, started and purged).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# ops/docs-check.sh reads JSON answers with jq
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
# the end-to-end suite runs real Prometheus servers (Debian's package also ships promtool)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
# the dashboard is tested in a real headless browser
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
# the DNS discovery end-to-end phase serves SRV records with Debian's dnsmasq (the binary alone:
# dnsmasq-base starts no service) and runs its discovery Prometheus in a mount namespace (unshare)
[ -x /usr/sbin/dnsmasq ] || need_apt+=(dnsmasq-base)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
# the systemd units in ops/systemd are checked with systemd-analyze verify
[ -x /usr/bin/systemd-analyze ] || need_apt+=(systemd)
# the Debian package is checked with lintian, installed with dpkg (DebianPackageIT) and its units'
# ExecStart run as the promshard user with setpriv (util-linux, above)
command -v lintian >/dev/null 2>&1 || need_apt+=(lintian)
command -v adduser >/dev/null 2>&1 || need_apt+=(adduser)
# the remote-storage and Alertmanager examples of ops/ (worker-ha.yml): VictoriaMetrics with
# deduplication, and amtool to check alertmanager.yml
[ -x /usr/bin/victoria-metrics ] || need_apt+=(victoria-metrics)
[ -x /usr/bin/amtool ] || need_apt+=(prometheus-alertmanager)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test: missing ${need_apt[*]} and cannot install them here (needs root and apt-get); install them and re-run" >&2
    exit 1
  fi
  echo "test: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
if ! prometheus --version >/dev/null 2>&1; then
  echo "test: prometheus is installed but does not run; the end-to-end tests need it" >&2
  exit 1
fi
if ! chromium --headless=new --no-sandbox --disable-gpu --version >/dev/null 2>&1 || ! chromedriver --version >/dev/null 2>&1; then
  echo "test: chromium or chromedriver is installed but does not run; the dashboard test needs both" >&2
  exit 1
fi
# the Debian package starts a Prometheus service where systemd runs; the tests start their own on spare ports
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major%%.*}" -lt 17 ]; then
  echo "test: Java 17 or later is required, found $java_major" >&2
  exit 1
fi

# the README's first command, end to end with the packaged jars (it builds them)
mvn -B -ntp -q -DskipTests package
demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
PROMSHARD_HTTP_PORT=18080 PROMSHARD_ADMIN_PORT=18081 PROMSHARD_ZK_PORT=12181 PROMSHARD_SIDECAR_PORT_BASE=18100 \
  ops/demo.sh --once "$demo_dir/promshard-demo"
# every block of README.md and docs/: their tags checked, shell blocks run against the demo and the
# examples in ops/ started together; ports shifted by 20000: every port they listen on stays below
# 32768, outside Linux's ephemeral range (32768-60999), where any outgoing connection or port-0
# server could take it
PROMSHARD_PORT_OFFSET=20000 ops/docs-check.sh

# every unit, integration and application test; Surefire's summary closes the output
mvn -B -ntp verify
