#!/usr/bin/env bash
# Removes from a copy of the jobs' runtime classpath (jobs/target/lib) the jars a Flink cluster
# already has or that FlinferJob never loads, so /opt/flink/usrlib holds only what the job adds:
#   - Flink itself (flink-dist bundles core, runtime, streaming, clients; lib/ has connector-files;
#     plugins/ has the Prometheus reporter) -- but not the Kafka connector and connector-base,
#     which no Flink image ships;
#   - logging: Flink's lib/ has log4j and the SLF4J binding, and loads them parent-first anyway;
#   - the demo's bundled model (flinfer-models): only `flinfer demo` runs it;
#   - the embedded Kafka broker (kafka_2.13 and its server-side jars, Scala): only `flinfer run`
#     starts it; the job talks to Kafka through kafka-clients alone.
# Usage: prune-provided-jars.sh DIR   (prints what it removed)
set -euo pipefail
dir="${1:?usage: prune-provided-jars.sh DIR}"
shopt -s nullglob
for jar in "$dir"/*.jar; do
  name="$(basename "$jar")"
  case "$name" in
    flink-connector-kafka-*|flink-connector-base-*|kafka-clients-*) continue ;;
    flink-*|log4j-*|slf4j-*|kafka_2.13-*|kafka-*|scala-*|flinfer-models-*) rm -- "$jar"; echo "pruned $name" ;;
  esac
done
