# Filters the test host's output for ./test.sh: passes every line through, except the two lines of each
# skipped test ("skipped NAME (TIME)" and its reason, indented), which it collects and prints at the end
# grouped by reason, one line each: "skipped 12 tests (A, B, C, …): REASON". A test skipped because its
# fixture's setup was ("OneTimeSetUp: REASON") counts under REASON.
pending != "" {
  reason = $0
  sub(/^ +/, "", reason)
  sub(/^OneTimeSetUp: /, "", reason)
  if (!(reason in count)) order[++groups] = reason
  count[reason]++
  if (count[reason] <= 3) names[reason] = names[reason] (count[reason] > 1 ? ", " : "") pending
  pending = ""
  next
}
/^skipped .* \([0-9][0-9a-z ]*\)$/ {
  pending = $0
  sub(/^skipped /, "", pending)
  sub(/ \([0-9][0-9a-z ]*\)$/, "", pending)
  next
}
{ print; fflush() }
END {
  for (g = 1; g <= groups; g++) {
    r = order[g]
    printf "skipped %d test%s (%s%s): %s\n", count[r], (count[r] == 1 ? "" : "s"), names[r], (count[r] > 3 ? ", …" : ""), r
  }
}
