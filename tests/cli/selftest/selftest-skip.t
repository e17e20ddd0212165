#require bash no-such-command-for-the-mly-selftest
Skipped whole: each case counts as one skipped test.

  $ echo never run
  never run

  $ false
