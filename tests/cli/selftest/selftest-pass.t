The runner's own test: every case here passes (tests/cli/selftest/check runs it).
Lines like this one, not indented by two spaces, are prose.

  $ echo hello
  hello

Several lines, and a line of stdout that has no newline at its end:

  $ printf 'one\ntwo\nthree'
  one
  two
  three

Stdout and stderr are checked apart; stderr lines start with "! ".

  $ echo out; echo err >&2; echo out2
  out
  ! err
  out2

  $ echo only-stderr >&2
  ! only-stderr

  $ echo "an empty line follows"; echo; echo end
  an empty line follows
  
  end

  $ echo >&2
  !

Exit statuses; a missing [N] means 0. No pipefail unless the test sets it.

  $ false
  [1]

  $ echo partial; echo failed >&2; exit 3
  partial
  ! failed
  [3]

  $ false | true

  $ set -o pipefail; false | true
  [1]

  $ kill -TERM $$
  [143]

A command continued on "> " lines, joined with newlines (here documents work).

  $ printf '%s\n' a \
  >   b
  a
  b

  $ cat <<END
  > first
  > second
  > END
  first
  second

Regular expressions match the whole line; globs have * and ?, backslash escapes.

  $ echo 'image 24595874160038714 done'; echo 'image 24595874160038714 done'
  image \d+ done (re)
  image * d?ne (glob)

  $ echo 'a*b?c'
  a\*b\?c (glob)

  $ printf 'x\r\n'
  x\r (re)

Lines the format would misread are written as regexes.

  $ echo '! not stderr'; echo '[2]'; echo '...'; echo '$ no command'
  \! not stderr (re)
  \[2\] (re)
  \.\.\. (re)
  \$ no command (re)

"..." matches any number of lines, zero included, in stdout and in stderr.

  $ seq 1 10
  1
  ...
  5
  ...
  10

  $ seq 1 3
  ...
  1
  2
  ...
  3
  ...

  $ seq 1 5 >&2; echo done
  ! 1
  ! ...
  ! 5
  done

  $ true
  ...
  ! ...

The scratch directory is the working directory and lasts the whole file.

  $ echo kept > note.txt

  $ cat note.txt
  kept

  $ [ "$PWD" = "$ROOT/tests/tmp/selftest-pass" ] && [ "$HOME" = "$PWD" ] && echo yes
  yes

The environment.

  $ echo "$LC_ALL $TZ $NO_COLOR"; date -d @0 +%H:%M%Z
  C UTC 1
  00:00UTC

  $ echo "${MLY_CONFIG-unset} ${MAPILLARY_ACCESS_TOKEN-unset} ${XDG_CONFIG_HOME-unset}"
  unset unset unset

  $ [ "${PATH%%:*}" = "$ROOT/bin" ] && [ -f "$TESTDIR/selftest-pass.t" ] && [ -f "$ROOT/tests/cli/run" ] && echo ok
  ok

  $ echo "$FIX"
  /*fixtures (glob)

  $ cat; readlink /proc/self/fd/0
  /dev/null
