#!/usr/bin/env bash
# download-security.sh: the download tools keep the token secret, trust only
# certificates they should, and write nothing outside the output folder.
#
#  1. The token (from the configuration, then from MAPILLARY_ACCESS_TOKEN)
#     appears nowhere: stdout, stderr with -v (retries against a server
#     failing 30 % of requests), error messages (unknown ids, a refused
#     token), metadata.jsonl, --failed files, any file written; and it never
#     travels in a URL (the server's request log shows no access_token).
#  2. TLS: against the local server with a certificate made here by openssl,
#     a download fails with exit 4 and a clear message unless ca_file names
#     that certificate; with it, it succeeds (image URLs are https too). A
#     certificate for another host name is refused even with ca_file.
#  3. Path traversal: sequence ids sent by a hostile server ("../../../escape",
#     "/abs/olute", "a/../../b") and given on the command line ("../x",
#     "a/b", "/etc") never make a file outside the output folder.
. "$(dirname "$0")/common.bash"
. "$(dirname "$0")/download.bash"
need_commands python3 jq curl openssl
need_build
dl_setup security

# ---- 1. the token
TOKEN=MLYsecret0token0that0must0not0leak42
EXTRA_CONFIG=$'retries = 8'
fake_start --token "$TOKEN" --fail-5xx 0.3 --log || { fail "the local server does not start"; finish; }
fake_dataset >dataset.json
jq -r '.sequences[0,1].id' dataset.json >seqs.txt
seq0=$(head -n 1 seqs.txt)
img=$(jq -r '.images[0].id' dataset.json)
mly-batchdl -v -o tok --failed tok-failed.txt seqs.txt >tok1.out 2>tok1.err
check "mly-batchdl -v against a failing server exits 0" [ $? -eq 0 ]
check "... and told of its retries (-v)" grep -q 'retry' tok1.err
mly-imgdl -v -o tok --failed tok-failed2.txt "$img" 1234567890 >tok2.out 2>tok2.err
check "mly-imgdl with an unknown id exits 1" [ $? -eq 1 ]
sed -i "s/^token = .*/token = ${TOKEN}x/" config.ini
mly-seqdl -v -o tok "$seq0" >tok3.out 2>tok3.err
check "a refused token: exit 3" [ $? -eq 3 ]
check "... with a message to check the token" grep -q 'check the access token' tok3.err
# The environment's token, and a config without one.
grep -v '^token' config.ini >config-notoken.ini
MLY_CONFIG=$WORK/config-notoken.ini MAPILLARY_ACCESS_TOKEN=$TOKEN mly-seqdl -v -o tok-env --failed tok-failed3.txt "$seq0" \
  >tok4.out 2>tok4.err
check "MAPILLARY_ACCESS_TOKEN works (exit 0)" [ $? -eq 0 ]
MLY_CONFIG=$WORK/config-notoken.ini MAPILLARY_ACCESS_TOKEN=${TOKEN}x mly-imgdl -v "$img" >tok5.out 2>tok5.err
check "a refused token from the environment: exit 3" [ $? -eq 3 ]
leaks=$(grep -rlF "$TOKEN" tok tok-env tok*.out tok*.err tok-failed*.txt 2>/dev/null)
check "the token is in no output, message or file written [$leaks]" [ -z "$leaks" ]
check "metadata.jsonl was written (and checked)" [ -s "$(ls tok/*/metadata.jsonl | head -n 1)" ]
check "the server saw requests (its log)" grep -q 'GET /graph' "$MLY_FAKE_LOG"
check "no request carried the token in its URL" [ -z "$(grep -c 'access_token' "$MLY_FAKE_LOG" | grep -v '^0$')" ]
mly_fake_stop

# ---- 2. TLS
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" \
  -keyout key.pem -out cert.pem >openssl.log 2>&1 &&
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=example.org -addext "subjectAltName=DNS:example.org" \
    -keyout other-key.pem -out other-cert.pem >>openssl.log 2>&1; then
  EXTRA_CONFIG=$'retries = 1\ntimeout = 5'
  if fake_start --tls cert.pem key.pem; then
    seq0=$(fake_dataset | jq -r '.sequences[0].id' 2>/dev/null)
    [ -n "$seq0" ] || seq0=$(curl -sf --cacert cert.pem "$MLY_FAKE_URL/__fake/dataset" | jq -r '.sequences[0].id')
    grep -v '^ca_file' config.ini >untrusted.ini
    MLY_CONFIG=$WORK/untrusted.ini mly-seqdl -o tls-no "$seq0" >tls1.out 2>tls1.err
    rc=$?
    check "TLS, certificate not trusted: exit 4 (got $rc)" [ "$rc" -eq 4 ]
    check "... saying why: $(head -c 160 tls1.err)" grep -q 'TLS certificate of 127.0.0.1 rejected: it is not trusted' tls1.err
    check "... and nothing written" [ ! -e tls-no ]
    check "the config names the CA" grep -q "^ca_file = " config.ini
    mly-seqdl -q -o tls-yes "$seq0" >tls2.out 2>tls2.err
    rc=$?
    check "TLS with ca_file: exit 0 (got $rc)" [ "$rc" -eq 0 ]
    check "... 5 images downloaded over https" [ "$(find tls-yes -name '*.jpg' | wc -l)" -eq 5 ]
    check "... whose URLs were https" grep -q '"thumb_original_url":"https://' tls-yes/*/metadata.jsonl
    sed "s|^ca_file = .*|ca_file = $WORK/other-cert.pem|" config.ini >wrong-ca.ini
    MLY_CONFIG=$WORK/wrong-ca.ini mly-seqdl -o tls-other "$seq0" >tls3.out 2>tls3.err
    check "TLS against a certificate for example.org: exit 4" [ $? -eq 4 ]
    check "... rejected" grep -q 'TLS certificate of 127.0.0.1 rejected' tls3.err
    mly_fake_stop
  else
    fail "the TLS server does not start: $(cat "${MLY_FAKE_LOG-/dev/null}" 2>/dev/null)"
  fi
else
  fail "openssl could not make a test certificate: $(cat openssl.log)"
fi

# ---- 3. path traversal
hostile_start || { fail "the hostile server does not start"; finish; }
mkdir -p jail/deeper
touch stamp
(cd jail/deeper && MLY_CONFIG=$HOSTILE_CONFIG mly-imgdl -q -o out 9000000000000001 9000000000000002 9000000000000003 \
  >../../trav1.out 2>../../trav1.err)
check "mly-imgdl of images whose sequence ids are paths: exit 0" [ $? -eq 0 ]
(cd jail/deeper && MLY_CONFIG=$HOSTILE_CONFIG mly-seqdl -q -o out escape ../x a/b /etc .. >../../trav2.out 2>../../trav2.err)
check "mly-seqdl with path-like sequence ids: exit 1 (they are refused)" [ $? -eq 1 ]
check "... each refused by name" [ "$(grep -c 'is not a sequence id' trav2.err)" -eq 4 ]
check "6 photos written" [ "$(find jail/deeper/out -name '*.jpg' | wc -l)" -eq 6 ]
outside=$(find "$WORK" -newer stamp -type f -not -path "$WORK/jail/deeper/out/*" -not -name 'trav*' -not -name 'hostile*' \
  -not -path "$WORK/.bin/*" | head)
check "nothing written outside the output folder [$outside]" [ -z "$outside" ]
check "every folder is a direct child of the output folder" \
  [ -z "$(find jail/deeper/out -mindepth 2 -type d)" ]
check "no folder name with a path in it" \
  [ -z "$(find jail/deeper/out -mindepth 1 -maxdepth 1 -name '*..*')" ]
ls jail/deeper/out
hostile_stop
finish
