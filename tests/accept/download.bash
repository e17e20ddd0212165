# Sourced by the download acceptance tests (tests/accept/download-*.sh) after
# common.bash: a scratch directory with copies of the download tools and of
# the local server, and helpers to run the server. Not executable, so
# tests/run does not run it.

# dl_setup NAME: WORK (see scratch), the tools copied into it, cwd WORK.
dl_setup() {
  scratch "$1"
  copy_tools "$ROOT/bin/mly-seqdl" "$ROOT/bin/mly-batchdl" "$ROOT/bin/mly-imgdl" "$ROOT/build/fakeapi/mly-fakeapi"
  export MLY_FAKEAPI=$WORK/.bin/mly-fakeapi
  cd "$WORK" || exit 2
}

# fake_start [SERVER OPTIONS...]: a fresh local server (the previous one
# stopped) and MLY_CONFIG for it, with EXTRA_CONFIG lines appended.
fake_start() {
  [ -n "${MLY_FAKE_PID-}" ] && mly_fake_stop
  . "$ROOT/tests/fakeapi/start" "$@" || return 1
  cp "$MLY_FAKE_CONFIG" "$WORK/config.ini"
  [ -n "${EXTRA_CONFIG-}" ] && printf '%s\n' "$EXTRA_CONFIG" >>"$WORK/config.ini"
  export MLY_CONFIG=$WORK/config.ini
}
fake_stats() { curl -sf "$MLY_FAKE_URL/__fake/stats"; }
fake_dataset() { curl -sf "$MLY_FAKE_URL/__fake/dataset"; }
# graph PATH: an authorised GET of the local graph API.
graph() { curl -sf -H "Authorization: OAuth $MLY_FAKE_TOKEN" "$MLY_FAKE_URL/graph$1"; }

# hostile_start: tests/helpers/hostile_api.py on a picture of mkphotos, and
# HOSTILE_CONFIG for it.
hostile_start() {
  "$MKPHOTOS" hostile-pic 1 --kb 8 --no-exif >/dev/null || return 1
  python3 "$ROOT/tests/helpers/hostile_api.py" hostile-pic/IMG_00001.JPG >hostile.url 2>hostile.log &
  HOSTILE_PID=$!
  local i
  for i in $(seq 100); do [ -s hostile.url ] && break; sleep 0.1; done
  HOSTILE_URL=$(head -n 1 hostile.url)
  [ -n "$HOSTILE_URL" ] || return 1
  HOSTILE_CONFIG=$WORK/hostile.ini
  printf '%s\n' '[mapillary]' 'token = hostile-token' "graph_url = $HOSTILE_URL/graph" 'retries = 1' 'timeout = 5' \
    >"$HOSTILE_CONFIG"
}
hostile_stop() { [ -n "${HOSTILE_PID-}" ] && kill "$HOSTILE_PID" 2>/dev/null; HOSTILE_PID=; }
cleanup_hook() {
  hostile_stop
  [ -n "${MLY_FAKE_PID-}" ] && kill "$MLY_FAKE_PID" 2>/dev/null
  [ -n "${DL_PID-}" ] && kill -9 "$DL_PID" 2>/dev/null
  return 0
}
