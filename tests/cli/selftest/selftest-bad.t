An output line before any command is an error of the file.

  orphan

  $ echo fine
  fine
