# Sourced by the acceptance tests (tests/accept/*.sh): counting, skipping and
# a scratch directory. Not executable, so tests/run does not run it.
#
# A test counts checks with pass/fail (or feeds "ok ..."/"FAIL ..." lines of
# its Python checkers to tally), ends with `finish`, and prints as its last
# line "N passed, N failed". `skip REASON` ends a test that cannot run here
# with "0 passed, 0 failed" and exit 0. ACCEPT_VERBOSE=1 shows passing checks.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIX=${MLY_FIXTURES:-$ROOT/../shared/fixtures}
MKPHOTOS=$ROOT/build/helpers/mkphotos
ACCEPT=$ROOT/tests/accept
PATH=$ROOT/bin:$PATH
export ROOT FIX MKPHOTOS ACCEPT PATH TZ=UTC LC_ALL=C
export PYTHONPATH=$ACCEPT${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the repository
unset MLY_CONFIG MAPILLARY_ACCESS_TOKEN

passed=0 failed=0
T0=$SECONDS

pass() {
  passed=$((passed + 1))
  [ -z "${ACCEPT_VERBOSE-}" ] || printf 'ok   %s\n' "$*"
}
fail() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$*"
}
# check NAME CMD...: one check, passed when CMD succeeds.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
# tally FILE STATUS: counts the "ok ..." and "FAIL ..." lines a checker
# wrote to FILE; other lines are shown as they are. A checker that did not
# exit 0 (a Python traceback, say) is one failure more.
tally() {
  local line
  while IFS= read -r line; do
    case $line in
      "ok "*) pass "${line#ok }" ;;
      "FAIL "*) fail "${line#FAIL }" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done <"$1"
  [ "$2" -eq 0 ] || fail "the checker writing $1 exited with status $2"
}
skip() {
  echo "SKIP: $*"
  echo "0 passed, 0 failed"
  exit 0
}
finish() {
  echo "($((SECONDS - T0)) s)"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
need_commands() {
  local c
  for c; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"; done
}
# The programs under test are built by `make`; their absence is a failure.
need_build() {
  local f
  for f in "$ROOT/bin/mly-scan" "$ROOT/bin/mly-write" "$MKPHOTOS"; do
    if [ ! -x "$f" ]; then
      fail "$f is missing: run make"
      finish
    fi
  done
}
have_fixtures() { [ -d "$FIX/images" ]; }
# scratch NAME: WORK, a fresh directory removed on exit. The tools are
# copied into it first, so that a rebuild of bin/ by someone else while a
# long test runs does not pull the binary from under it.
scratch() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/mly-accept-$1.XXXXXX") || {
    fail "cannot make a scratch directory"
    finish
  }
  trap 'cleanup_hook; rm -rf "$WORK"' EXIT
  local try copied=no
  mkdir "$WORK/.bin" || finish
  for try in 1 2 3 4 5; do  # a link in progress makes cp fail: try again
    if cp "$ROOT/bin/mly-scan" "$ROOT/bin/mly-write" "$MKPHOTOS" "$WORK/.bin/" 2>/dev/null; then
      copied=yes
      break
    fi
    sleep 2
  done
  if [ "$copied" = no ]; then
    fail "cannot copy bin/mly-scan, bin/mly-write and mkphotos"
    finish
  fi
  PATH=$WORK/.bin:$PATH
  MKPHOTOS=$WORK/.bin/mkphotos
}
cleanup_hook() { :; }
