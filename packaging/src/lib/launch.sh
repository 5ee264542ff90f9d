#!/bin/sh
# Runs one of promshard's jars: launch.sh <jar in this directory> [arguments...]. Java is
# $JAVA_HOME/bin/java when JAVA_HOME is set, else the java on the PATH (17 or later); $JAVA_OPTS
# (heap, GC, system properties) goes before -jar. The bin/ launchers call it through any symlink.
set -eu
lib=$(dirname "$(readlink -f "$0")")
jar="$lib/$1"
shift
if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
  if [ ! -x "$java" ]; then
    echo "$(basename "$jar" .jar): JAVA_HOME is $JAVA_HOME, which has no bin/java" >&2
    exit 1
  fi
elif command -v java >/dev/null 2>&1; then
  java=$(command -v java)
else
  echo "$(basename "$jar" .jar): no Java found: install Java 17 or later, or set JAVA_HOME" >&2
  exit 1
fi
# JAVA_OPTS holds several options, split on spaces as the systemd units do
# shellcheck disable=SC2086
exec "$java" ${JAVA_OPTS:-} -jar "$jar" "$@"
