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
# expect NAME WANT GOT: one check, passed when GOT is WANT; a failure shows both.
expect() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: wanted [$2], got [$3]"; fi
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
# scratch NAME: WORK, a fresh directory removed on exit, with mly-scan,
# mly-write and mkphotos copied into it (see copy_tools).
scratch() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/mly-accept-$1.XXXXXX") || {
    fail "cannot make a scratch directory"
    finish
  }
  trap 'cleanup_hook; rm -rf "$WORK"' EXIT
  mkdir "$WORK/.bin" || finish
  PATH=$WORK/.bin:$PATH
  copy_tools "$ROOT/bin/mly-scan" "$ROOT/bin/mly-write" "$MKPHOTOS"
  MKPHOTOS=$WORK/.bin/mkphotos
}
# copy_tools PROGRAM...: copies of the programs in $WORK/.bin (first on
# PATH), so that a rebuild of bin/ during a long test does not pull one from
# under it. A missing program is a failure that ends the test; cp is tried
# again a few times, as a link in progress makes it fail.
copy_tools() {
  local f try
  for f; do
    [ -x "$f" ] || { fail "$f is missing: run make"; finish; }
  done
  for try in 1 2 3 4 5; do
    cp "$@" "$WORK/.bin/" 2>/dev/null && return 0
    sleep 2
  done
  fail "cannot copy $*"
  finish
}
cleanup_hook() { :; }
