#!/usr/bin/env bash
# Two clean builds must give byte-identical artifacts (issue 11).
#
#   reproducible-artifacts.sh ROOT MAVEN_HOME WORK MODULE...
#
# Run by `mvn -B verify` (build-support/pom.xml) after ROOT's build has packaged
# every MODULE. Copies ROOT's sources (no target/, no .git) to WORK/tree, builds
# the MODULEs there again with the same Maven, the same JDK running it (JAVA_HOME)
# and the same toolchain, offline and without tests, then compares every jar of
# each MODULE, and the POM a pom module installs, with the first build's, byte by
# byte. The second build runs in another directory, minutes later, from files
# with new modification times: what it shares with the first is only what a
# reproducible build may depend on.
set -euo pipefail

if [ "$#" -lt 4 ]; then
    echo "usage: $0 ROOT MAVEN_HOME WORK MODULE..." >&2
    exit 2
fi
root=$(cd "$1" && pwd)
maven_home=$2
work=$3
shift 3
modules=("$@")

# Every artifact of the BOM that is a module of this build must be checked here.
for name in $(sed -n 's#.*<artifactId>fdcapture-\([a-z0-9-]*\)</artifactId>.*#\1#p' "$root/bom/pom.xml"); do
    if [ -f "$root/$name/pom.xml" ] && [[ " ${modules[*]} " != *" $name "* ]]; then
        echo "reproducibility: fdcapture-$name is in the BOM and in the build but not checked:" \
             "add it to build-support/pom.xml (a dependency and an argument)" >&2
        exit 1
    fi
done

rm -rf "$work"
mkdir -p "$work/tree"
# The sources as a fresh clone has them; .wt holds other worktrees in a main checkout.
tar -C "$root" -c --exclude=./.git --exclude=./.wt --exclude=target . | tar -C "$work/tree" -x

list=$(IFS=,; echo "${modules[*]}")
echo "reproducibility: building $list a second time in $work/tree"
start=$(date +%s)
if ! "$maven_home/bin/mvn" -B -q -o -f "$work/tree/pom.xml" -pl "$list" -am package \
        -Dmaven.test.skip=true -Dfdcapture.reproducibility.skip=true > "$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    echo "reproducibility: the second build failed; its log is $work/build.log" >&2
    exit 1
fi
echo "reproducibility: second build took $(( $(date +%s) - start )) s"

# What a module publishes: its jars, or for a pom module the POM it installs (not
# maven-shade-plugin's original-*.jar, the unshaded jar it keeps aside).
artifacts() {
    find "$1/target" -maxdepth 1 -type f \( -name '*.jar' -o -name '*.pom' \) ! -name 'original-*' -printf '%f\n' 2>/dev/null | sort
}

failed=0
compared=0
for m in "${modules[@]}"; do
    first=$root/$m
    second=$work/tree/$m
    names=$(artifacts "$second")
    if [ -z "$names" ]; then
        echo "reproducibility: $m: the second build made no artifact" >&2
        failed=1
        continue
    fi
    if [ -d "$first/src/main/java" ]; then
        for suffix in sources javadoc; do
            if ! grep -q -- "-$suffix\.jar$" <<< "$names"; then
                echo "reproducibility: $m: no -$suffix.jar" >&2
                failed=1
            fi
        done
    fi
    for name in $names; do
        if [ ! -f "$first/target/$name" ]; then
            echo "reproducibility: $m: $name is missing from the first build" \
                 "(is $m built before build-support? see build-support/pom.xml)" >&2
            failed=1
            continue
        fi
        compared=$((compared + 1))
        if cmp -s "$first/target/$name" "$second/target/$name"; then
            echo "reproducibility: identical  $(sha256sum < "$first/target/$name" | cut -c1-16)  $m/target/$name"
        else
            failed=1
            echo "reproducibility: DIFFERENT  $m/target/$name" >&2
            case $name in
                *.jar)
                    # Entry list with sizes, CRCs and times: shows what differs.
                    diff <(unzip -v "$first/target/$name" | sed '1,2d') \
                         <(unzip -v "$second/target/$name" | sed '1,2d') | head -n 20 >&2 || true ;;
                *)
                    diff "$first/target/$name" "$second/target/$name" | head -n 20 >&2 || true ;;
            esac
        fi
    done
done

if [ "$failed" -ne 0 ]; then
    echo "reproducibility: FAILED. A stale target/ in the first build also shows up here: mvn clean verify." >&2
    exit 1
fi
echo "reproducibility: $compared artifacts byte-identical across two clean builds"
