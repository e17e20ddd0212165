# Sourced by the upload acceptance tests (tests/accept/upload-*.sh) after
# common.bash: a scratch directory with copies of the tools and of the local
# server, the server started with an upload configuration, and the photos of
# a test. Not executable, so tests/run does not run it.

# up_setup NAME: WORK (see scratch) with the process and upload tools and
# mly-fakeapi copied into it; cwd WORK.
up_setup() {
  scratch "$1"
  copy_tools "$ROOT/bin/mly-upload" "$ROOT/bin/mly-split" "$ROOT/bin/mly-tag" "$ROOT/bin/mly-geotag-gpx" \
    "$ROOT/build/fakeapi/mly-fakeapi"
  export MLY_FAKEAPI=$WORK/.bin/mly-fakeapi
  cd "$WORK" || exit 2
}

# up_server [SERVER OPTIONS...]: a fresh local server (the previous one
# stopped), MLY_CONFIG for it with no rate limit, the history in
# $WORK/hist (kept across servers), and EXTRA_CONFIG lines appended.
up_server() {
  [ -n "${MLY_FAKE_PID-}" ] && mly_fake_stop
  . "$ROOT/tests/fakeapi/start" "$@" || return 1
  cp "$MLY_FAKE_CONFIG" "$WORK/config.ini"
  printf '%s\n' 'requests_per_minute = 0' "upload_history = $WORK/hist" >>"$WORK/config.ini"
  [ -n "${EXTRA_CONFIG-}" ] && printf '%s\n' "$EXTRA_CONFIG" >>"$WORK/config.ini"
  export MLY_CONFIG=$WORK/config.ini
}
uploads() { curl -sf "$MLY_FAKE_URL/__fake/uploads"; }
fake_stats() { curl -sf "$MLY_FAKE_URL/__fake/stats"; }

# records DIR... : records with positions for the photos below each DIR, as
# mly-scan would give them plus lat/lon on a line north-east, 3 m a photo;
# mly-split then cuts them where the folders' times part.
records() {
  mly-scan -q "$@" | jq -c '(.path | capture("(?<n>[0-9]+)\\.JPG$").n | tonumber) as $i
    | (.path | split("/")[0] | explode[0] - 96) as $f
    | .lat = (46.05 + $f * 0.01 + $i * 0.000027) | .lon = (14.5 + $i * 0.00002) | .alt = 300.5'
}

# check_uploads OUT.jsonl RECORDS.jsonl DRY UPLOADS.json: tests/accept/upload_check.py.
check_uploads() {
  python3 "$ACCEPT/upload_check.py" "$@" >check.txt
  tally check.txt $?
}

cleanup_hook() {
  [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null
  [ -n "${UP_PID-}" ] && kill -9 "$UP_PID" 2>/dev/null
  return 0
}
