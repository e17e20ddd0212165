#require fixtures bash
Runs only when the fixtures folder ($MLY_FIXTURES here) exists.

  $ ls "$FIX"
  marker
