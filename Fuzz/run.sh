#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs each for a while on a copy of its seed corpus.
#
#   Fuzz/run.sh [SECONDS] [HARNESS...]     SECONDS per harness (default 30); all harnesses unless named
#
# Prints per harness its executions and crashes; exits 1 if any harness crashed, timed out, ran out of
# memory or leaked (the input is saved in Fuzz/Crashes/), 2 if the build failed. The build goes to
# .build-fuzz/ beside Fuzz/ (FUZZ_SCRATCH overrides), never to the root package's .build/.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
seconds="${1:-30}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(FuzzFrame FuzzMessage FuzzReplParser FuzzReplCommand)
export PATH="/opt/swift/usr/bin:$PATH"
# The Swift runtime's own crash backtracer reads the stack in a way ASan reports as a stack-buffer-underflow,
# hiding the real crash: turn it off so that libFuzzer and ASan print the stack (llvm-symbolizer is on PATH).
export SWIFT_BACKTRACE=enable=no

# -sanitize=fuzzer instruments every Swift module for coverage and links libFuzzer; address adds ASan.
build=(swift build -c debug --package-path "$here" --scratch-path "${FUZZ_SCRATCH:-$repo/.build-fuzz}"
       -Xswiftc -sanitize=fuzzer,address)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/build.log"
started=$SECONDS
for harness in "${harnesses[@]}"; do
    echo "building $harness"
    if ! "${build[@]}" --product "$harness" > "$log" 2>&1; then
        grep -E "error:" "$log" | head -20 || tail -30 "$log"
        echo "build of $harness failed: ${build[*]} --product $harness"
        exit 2
    fi
done
echo "built in $((SECONDS - started)) s"
bin="$("${build[@]}" --show-bin-path)"

mkdir -p "$here/Crashes"
failed=0
for harness in "${harnesses[@]}"; do
    cp -R "$here/Corpus/$harness" "$work/$harness"     # new units go to the copy, not the repo
    # `sql` queries may run 10 s by design (ReadOnlyQuery.timeLimit), so FuzzReplCommand gets more.
    timeout=10; [ "$harness" = FuzzReplCommand ] && timeout=30
    # TMPDIR: FuzzReplCommand's scratch store goes in the temp folder too.
    TMPDIR="$work" "$bin/$harness" "$work/$harness" -max_total_time="$seconds" -max_len=65536 \
        -timeout="$timeout" -print_final_stats=1 -artifact_prefix="$here/Crashes/$harness-" \
        > "$work/$harness.log" 2>&1
    status=$?
    executions="$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$work/$harness.log" | tail -1)"
    [ -n "$executions" ] || executions="$(grep -oE '^#[0-9]+' "$work/$harness.log" | tail -1 | tr -d '#')"
    crashes="$(grep -c 'Test unit written to' "$work/$harness.log")"
    echo "$harness: ${executions:-0} executions in $seconds s, crashes: $crashes"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        echo "---- $harness failed (exit $status); the end of its log:"
        awk '/Fatal error|==[0-9]+== ?ERROR|ERROR: libFuzzer/ { on = 1 } on && n++ < 60' "$work/$harness.log" \
            | swift demangle --simplified
        echo "----"
    fi
done
exit "$failed"
