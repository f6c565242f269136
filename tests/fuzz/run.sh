#!/bin/sh
# run.sh — runs libFuzzer targets, each for FUZZ_SECONDS (default 60) on a
# scratch copy of its seed corpus, and reports as TAP: "ok" for a target that ran
# its time without a crash, a leak or a broken promise, "not ok" otherwise.
#
#   run.sh FUZZ-DIR TARGET...      (make fuzz runs it from the build folder)
#
# Target tests/fuzz/fuzz_NAME starts from FUZZ-DIR/corpus/NAME/, with the
# dictionary FUZZ-DIR/NAME.dict when there is one, in a scratch folder beside
# it in the build folder (fuzz_NAME.run/: the copy of the corpus, the log, the
# target's temporary files).  What a run finds (crash-*, leak-*, new corpus
# entries) stays there, never in the tree: a failing target's folder is kept,
# and named, for a look, until the next run.
set -u
fuzzdir=$1
shift
seconds=${FUZZ_SECONDS:-60}
n=0 failed=0
echo "1..$#"
for target in "$@"; do
	n=$((n + 1))
	name=$(basename "$target")
	short=${name#fuzz_}
	scratch=$(cd "$(dirname "$target")" && pwd)/$name.run
	rm -rf "$scratch"
	mkdir -p "$scratch/corpus" "$scratch/tmp"
	[ -d "$fuzzdir/corpus/$short" ] && cp "$fuzzdir/corpus/$short"/* "$scratch/corpus/"
	dict=
	[ -f "$fuzzdir/$short.dict" ] && dict="-dict=$fuzzdir/$short.dict"
	rc=0
	TMPDIR=$scratch/tmp "$target" ${dict:+"$dict"} -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$scratch/" \
		"$scratch/corpus" >"$scratch/log" 2>&1 || rc=$?
	# libFuzzer's last status line: "#N DONE cov: C ft: F corp: ... exec/s: E ...".
	stats=$(grep -E '^#[0-9]+' "$scratch/log" | tail -1)
	cov=$(echo "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch/log")
	summary="${runs:-?} runs in ${seconds} s (${rate:-?}/s), cov: ${cov:-?} ft: ${ft:-?}"
	# No statistics: the run did not end as libFuzzer ends one.
	[ -n "$runs" ] || [ $rc != 0 ] || rc=no-statistics
	if [ $rc = 0 ]; then
		echo "ok $n - $name: $summary"
		rm -rf "$scratch"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name: exit status $rc after $summary"
		# The report, as TAP comments: the sanitizer's words and the input kept.
		{
			grep -E '^(==[0-9]+==ERROR|SUMMARY|.*broken promise|.*runtime error|.*Test unit written)' "$scratch/log"
			grep -E '^    #[0-9]+ ' "$scratch/log" | head -12
		} | head -30 | sed 's/^/# /'
		echo "# kept $scratch for a look"
	fi
done
[ $failed = 0 ]
