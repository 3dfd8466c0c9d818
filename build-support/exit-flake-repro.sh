#!/bin/bash
# Reproducer for the duplicated-line flake of Slf4jSinkTest.install_delivers_everything_written_before_system_exit:
# runs the test's child JVM (Slf4jChild exit N) RUNS times, PAR at once, and counts the runs whose
# log file does not hold exactly 2*N lines. Needs `mvn -pl core,slf4j -am package -DskipTests` first.
# Usage: build-support/exit-flake-repro.sh [RUNS=200] [PAR=2] [LINES=1000]
# Environment: JAVA (default java), KEEP=1 keeps passing runs too, STRACE=1 runs each child under
# strace -f (writes per thread; that is how the flusher thread's second write of a dprintf line was seen),
# EXTRA_JVM_ARGS for the child.
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-200}; PAR=${2:-2}; LINES=${3:-1000}
JAVA=${JAVA:-java}
M=${M2:-$HOME/.m2/repository}
CP=slf4j/target/test-classes:slf4j/target/classes:core/target/classes
CP=$CP:$M/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar:$M/net/java/dev/jna/jna/5.17.0/jna-5.17.0.jar
CP=$CP:$M/ch/qos/logback/logback-classic/1.5.18/logback-classic-1.5.18.jar:$M/ch/qos/logback/logback-core/1.5.18/logback-core-1.5.18.jar
OUT=$(mktemp -d /tmp/exit-repro.XXXXXX)
one() {
    local i=$1 d=$OUT/$1
    mkdir -p "$d"
    ${STRACE:+strace -f -qq -e trace=write,pwrite64,writev,dup2,dup3,close -s 80 -o $d/strace} $JAVA --enable-native-access=ALL-UNNAMED ${EXTRA_JVM_ARGS:-} -Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider \
        -Dlogback.configurationFile=logback-file.xml -Dlog.file="$d/native.log" -cp "$CP" \
        dev.fdcapture.slf4j.Slf4jChild exit "$LINES" >"$d/out" 2>"$d/err"
    local rc=$? n
    n=$(wc -l <"$d/native.log" 2>/dev/null || echo 0)
    if [ "$rc" != 0 ] || [ "$n" != $((2 * LINES)) ] || [ -s "$d/out" ]; then
        echo "FAIL run $i: exit $rc, $n lines, stdout $(wc -c <"$d/out") bytes"
        sort "$d/native.log" | uniq -d | head -5
    else
        [ -n "${KEEP:-}" ] || rm -rf "$d"
    fi
}
export -f one; export OUT LINES JAVA CP EXTRA_JVM_ARGS=${EXTRA_JVM_ARGS:-} KEEP=${KEEP:-} STRACE=${STRACE:-}
seq 1 "$RUNS" | xargs -P "$PAR" -I{} bash -c 'one {}' | tee "$OUT/summary"
fails=$(grep -c '^FAIL' "$OUT/summary")
echo "$fails failures in $RUNS runs ($PAR in parallel, $LINES lines per fd); failing runs kept in $OUT"
