#timeout 2
The runner's own test: all cases but the last fail, each in its own way.

  $ echo actual
  expected

  $ echo oops >&2
  oops

  $ exit 3

  $ true
  [1]

  $ echo abc
  a\d+ (re)

  $ printf 'a\nb\n'
  a

  $ sleep 30

  $ echo still-running-after-a-timeout
  still-running-after-a-timeout
