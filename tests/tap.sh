# TAP output for the test scripts (sourced): ok DESC, not_ok DESC [DETAILS]
# (details shown as comments, their last 15 lines), bail REASON, tap_end
# (the plan, then exits 1 if anything failed).
# shellcheck shell=bash
tap_n=0
tap_fail=0
ok() {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $1"
}
not_ok() {
  tap_n=$((tap_n + 1))
  echo "not ok $tap_n - $1"
  tap_fail=1
  [ -z "${2:-}" ] || printf '%s\n' "$2" | tail -15 | sed 's/^/# /'
}
bail() {
  echo "Bail out! $*"
  exit 1
}
tap_end() {
  echo "1..$tap_n"
  exit $tap_fail
}
