# Sourced by the golden tests of the API tools, in their scratch directory:
#   . ./fake.sh [SERVER OPTIONS...]
# starts the local Mapillary server (a copy of it, ./fakeapi, so a rebuild
# does not pull it from under a running test) for the current case, writes
# config.ini pointing the tools at it with short retries, and exports
# MLY_CONFIG. The server stops when the case's shell ends.
MLY_FAKEAPI=$PWD/fakeapi . "$ROOT/tests/fakeapi/start" "$@" || return 1
printf '%s\n' '[mapillary]' "token = $MLY_FAKE_TOKEN" "graph_url = $MLY_FAKE_URL/graph" \
  "tiles_url = $MLY_FAKE_URL/tiles" "upload_url = $MLY_FAKE_URL/upload" 'retries = 1' 'timeout = 5' > config.ini
export MLY_CONFIG=$PWD/config.ini
