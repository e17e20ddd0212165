#require jq curl python3
mly-auth against the local Mapillary server (tests/fakeapi). Each case
starts its own server with ./auth.sh, which writes config.ini (mode 0644 to
begin with) with the application's client token and no user token. The
users of the small dataset: demo (230948216913107) and ana
(677335129041238), password "secret"; the server's dataset gives their
tokens. The token itself must never show: the messages name the user and
the file.

  $ cp "$ROOT/build/fakeapi/mly-fakeapi" fakeapi
  $ cp "$ROOT/tests/cli/fake.sh" .
  $ cat > auth.sh <<'EOF'
  > # . ./auth.sh [SERVER OPTIONS...]: a server for this case; config.ini with
  > # the client token and no user token; masked: config.ini without its token.
  > . ./fake.sh "$@" || return 1
  > printf '%s\n' '; the settings of this case' '[mapillary]' "graph_url = $MLY_FAKE_URL/graph" \
  >   'client_token = MLY|4242|0123456789abcdef0123456789abcdef' 'retries = 1' 'timeout = 5' > config.ini
  > chmod 644 config.ini
  > token_of() { curl -sf "$MLY_FAKE_URL/__fake/dataset" | jq -r --arg u "$1" '.users[] | select(.username == $u) | .token'; }
  > masked() { sed -e 's|http://127.0.0.1:[0-9]*|URL|' -e 's|^token = .*|token = (hidden)|' "${1:-config.ini}"; }
  > EOF

Usage errors: exit 2, nothing done. A token typed without its command is
not repeated in the message.

  $ mly-auth
  ! mly-auth: a command is missing: login, token, status or logout
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth frob
  ! mly-auth: unknown command 'frob': login, token, status or logout
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth MLYfaketoken0123456789abcdef
  ! mly-auth: unknown command: login, token, status or logout
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth token
  ! mly-auth: token takes one argument: the token, or '-' to read it from standard input
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth token MLYfaketoken0123456789abcdef extra
  ! mly-auth: token takes one argument: the token, or '-' to read it from standard input
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth token 'MLYfake token'
  ! mly-auth: the token must not contain spaces or control characters
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth token - < /dev/null
  ! mly-auth: standard input holds no token
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth status now
  ! mly-auth: status takes no arguments
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth status --email demo@example.com
  ! mly-auth: --email belongs to 'login', not 'status'
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth login --no-verify
  ! mly-auth: --no-verify belongs to 'token', not 'login'
  ! Try 'mly-auth --help' for more information.
  [2]
  $ mly-auth --help | head -n 1
  mly-auth: log in to Mapillary; store, check or remove the user token

Login with the password on standard input: the token goes into the
configuration in use ($MLY_CONFIG here), on the first line of [mapillary];
every other line stays; the file becomes 0600.

  $ . ./auth.sh && echo secret | mly-auth login --email demo@example.com --password-stdin &&
  >   stat -c %a config.ini && masked
  ! mly-auth: logged in as demo (user 230948216913107); the token is stored in */config.ini (glob)
  600
  ; the settings of this case
  [mapillary]
  token = (hidden)
  graph_url = URL/graph
  client_token = MLY|4242|0123456789abcdef0123456789abcdef
  retries = 1
  timeout = 5
  $ . ./auth.sh && echo secret | mly-auth login -q --email ana@example.com --password-stdin &&
  >   grep -cxF "token = $(token_of ana)" config.ini && mly-auth status
  1
  {"user_id":"677335129041238","username":"ana","config":"*/config.ini","token_source":"*/config.ini:3"} (glob)

A wrong password, or an unknown email: the API's message, exit 3, the file
untouched.

  $ . ./auth.sh && echo wrong | mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: login refused: The email or password you entered is incorrect.
  [3]
  $ grep -c '^token' config.ini; stat -c %a config.ini
  0
  644
  $ . ./auth.sh && echo secret | mly-auth login --email nobody@example.com --password-stdin
  ! mly-auth: login refused: The email or password you entered is incorrect.
  [3]

The password line is taken whole, blanks included (only its line end goes):

  $ . ./auth.sh && printf 'secret \n' | mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: login refused: The email or password you entered is incorrect.
  [3]
  $ . ./auth.sh && printf 'secret\r\n' | mly-auth login -q --email demo@example.com --password-stdin && grep -c '^token' config.ini
  1

No client token: a configuration error (exit 2), asked of nobody, saying
where a client token comes from; "mly-auth token" needs none. A client token
of the wrong shape is refused where it is written; one the server refuses is
an authentication error (exit 3).

  $ . ./auth.sh && sed -i '/^client_token/d' config.ini &&
  >   echo secret | mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: no client_token in */config.ini: logging in needs the client token (MLY|<app id>|<hex>) of an application you register at https://www.mapillary.com/dashboard/developers; put it in */config.ini as client_token = ..., or store a token you already have with 'mly-auth token -' (glob)
  [2]
  $ . ./auth.sh && sed -i '/^client_token/d' config.ini && mly-auth token -q "$MLY_FAKE_TOKEN" && mly-auth status | jq -r .username
  demo
  $ . ./auth.sh && sed -i 's/^client_token = .*/client_token = MLYfaketoken0123456789abcdef/' config.ini &&
  >   echo secret | mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: */config.ini:4: client_token must look like MLY|<app id>|<hex>: the client token of your application (Mapillary's developer dashboard shows it), not a user token or the client secret (glob)
  [2]
  $ . ./auth.sh && sed -i 's/^client_token = .*/client_token = MLY|4242|0123456789ABCDEF/' config.ini &&
  >   echo secret | mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: POST http://127.0.0.1:*/graph/login: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token* (code 190); the client token was refused: check client_token (your application's client token, from Mapillary's developer dashboard) (glob)
  [3]

MAPILLARY_CLIENT_TOKEN (the variable mapillary_tools reads) overrides
client_token, and is held to the same shape.

  $ . ./auth.sh && sed -i '/^client_token/d' config.ini &&
  >   echo secret | MAPILLARY_CLIENT_TOKEN='MLY|77|00ff00ff' mly-auth login -q --email demo@example.com --password-stdin &&
  >   grep -c '^token' config.ini
  1
  $ . ./auth.sh && echo secret | MAPILLARY_CLIENT_TOKEN='MLY|77|0123456789ABCDEF' mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: POST http://127.0.0.1:*/graph/login: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token* (code 190); the client token was refused: check client_token (your application's client token, from Mapillary's developer dashboard) (glob)
  [3]
  $ . ./auth.sh && echo secret | MAPILLARY_CLIENT_TOKEN=secret123 mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: MAPILLARY_CLIENT_TOKEN must look like MLY|<app id>|<hex>: the client token of your application, not a user token or the client secret
  [2]

Without --password-stdin the password is asked on the terminal; the
tests run without one:

  $ . ./auth.sh && echo secret | mly-auth login --email demo@example.com
  ! mly-auth: no terminal to ask for the password: use --password-stdin
  ! Try 'mly-auth --help' for more information.
  [2]
  $ . ./auth.sh && echo secret | mly-auth login --password-stdin
  ! mly-auth: no terminal to ask for the email: give --email
  ! Try 'mly-auth --help' for more information.
  [2]
  $ . ./auth.sh && mly-auth login --email demo@example.com --password-stdin < /dev/null
  ! mly-auth: standard input holds no password
  ! Try 'mly-auth --help' for more information.
  [2]
  $ . ./auth.sh && printf '\n' | mly-auth login --email demo@example.com --password-stdin
  ! mly-auth: the first line of standard input is empty: no password
  ! Try 'mly-auth --help' for more information.
  [2]

On a terminal (a pseudo-terminal here): the email is echoed, the password
is not, and the echo comes back after it; an interrupt while the password
is asked also gives the echo back.

  $ cat > onpty.py <<'EOF'
  > # python3 onpty.py [--interrupt] CMD...: CMD on a new pseudo-terminal;
  > # answers its two questions, prints what the terminal showed.
  > import os, pty, sys, termios
  > args = sys.argv[1:]
  > interrupt = args[0] == "--interrupt"
  > args = args[1:] if interrupt else args
  > pid, fd = pty.fork()
  > if pid == 0:
  >     os.execvp(args[0], args)
  > shown = b""
  > def until(text):
  >     global shown
  >     while text not in shown:
  >         try:
  >             chunk = os.read(fd, 1024)
  >         except OSError:
  >             return
  >         if not chunk:
  >             return
  >         shown += chunk
  > until(b"email: ")
  > os.write(fd, b"demo@example.com\n")
  > until(b"Password for demo@example.com: ")
  > echo_asking = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
  > os.write(fd, b"\x03" if interrupt else b"secret\n")
  > until(b"\0")  # everything, to the end
  > _, status = os.waitpid(pid, 0)
  > print(shown.decode().replace("\r\n", "\n"), end="" if shown.endswith(b"\n") else "\n")
  > print("echo while asking:", echo_asking, "after:", bool(termios.tcgetattr(fd)[3] & termios.ECHO))
  > print("exit", os.waitstatus_to_exitcode(status))
  > EOF
  $ . ./auth.sh && python3 onpty.py mly-auth login && grep -c '^token' config.ini
  Mapillary email: demo@example.com
  Password for demo@example.com: 
  mly-auth: logged in as demo (user 230948216913107); the token is stored in */config.ini (glob)
  echo while asking: False after: True
  exit 0
  1
  $ . ./auth.sh && python3 onpty.py --interrupt mly-auth login; grep '^token' config.ini || echo no token
  Mapillary email: demo@example.com
  Password for demo@example.com: 
  echo while asking: False after: True
  exit -2
  no token

mly-auth token: a token from standard input ('-', out of the shell's
history and of ps) or an argument, checked with GET /me, then stored.

  $ . ./auth.sh && token_of ana | mly-auth token - && stat -c %a config.ini &&
  >   grep -cxF "token = $(token_of ana)" config.ini && mly-auth status | jq -r .username
  ! mly-auth: the token of ana (user 677335129041238) is stored in */config.ini (glob)
  600
  1
  ana
  $ . ./auth.sh && printf ' %s \r\n' "$MLY_FAKE_TOKEN" | mly-auth token - && grep -cxF "token = $MLY_FAKE_TOKEN" config.ini
  ! mly-auth: the token of demo (user 230948216913107) is stored in */config.ini (glob)
  1
  $ . ./auth.sh && mly-auth token "$MLY_FAKE_TOKEN" && masked
  ! mly-auth: the token of demo (user 230948216913107) is stored in */config.ini (glob)
  ; the settings of this case
  [mapillary]
  token = (hidden)
  graph_url = URL/graph
  client_token = MLY|4242|0123456789abcdef0123456789abcdef
  retries = 1
  timeout = 5

A token the API refuses, or cannot be checked: nothing is stored.
--no-verify stores it unchecked.

  $ . ./auth.sh && mly-auth token MLYnotatoken; s=$?; grep '^token' config.ini || echo no token; exit $s
  ! mly-auth: the token was refused (revoked, expired or mistyped); nothing was stored
  no token
  [3]
  $ . ./auth.sh && mly_fake_stop && mly-auth token "$MLY_FAKE_TOKEN"; s=$?; grep -c '^token' config.ini; exit $s
  ! mly-auth: GET http://127.0.0.1:*/graph/me?fields=id,username: could not connect (gave up after 2 attempts); nothing was stored (--no-verify stores a token unchecked) (glob)
  0
  [4]
  $ . ./auth.sh && mly_fake_stop && mly-auth token --no-verify "$MLY_FAKE_TOKEN" && grep -c '^token' config.ini
  ! mly-auth: the token is stored in */config.ini (not verified) (glob)
  1

mly-auth status: whose token, from where (never the token); exit 3 when
there is none or the API refuses it, 4 when the API cannot be reached.

  $ . ./auth.sh && mly-auth status
  ! mly-auth: not logged in: no token in */config.ini nor in MAPILLARY_ACCESS_TOKEN: run mly-auth login (glob)
  [3]
  $ . ./auth.sh && MAPILLARY_ACCESS_TOKEN=$MLY_FAKE_TOKEN mly-auth status
  {"user_id":"230948216913107","username":"demo","config":"*/config.ini","token_source":"MAPILLARY_ACCESS_TOKEN"} (glob)
  $ . ./auth.sh && MAPILLARY_ACCESS_TOKEN=MLYnotatoken mly-auth status
  ! mly-auth: the token from MAPILLARY_ACCESS_TOKEN was refused (revoked or expired): run mly-auth login
  [3]
  $ . ./auth.sh && mly-auth token -q "$MLY_FAKE_TOKEN" && mly_fake_stop && mly-auth status
  ! mly-auth: GET http://127.0.0.1:*/graph/me?fields=id,username: could not connect (gave up after 2 attempts) (glob)
  [4]

A revoked token (the server's POST /__fake/revoke): status says so; a new
login gives a working token again.

  $ . ./auth.sh && echo secret | mly-auth login -q --email demo@example.com --password-stdin &&
  >   mly-auth status | jq -r .username && curl -sf -X POST "$MLY_FAKE_URL/__fake/revoke?user=demo" > /dev/null &&
  >   { mly-auth status; echo "status $?"; } &&
  >   echo secret | mly-auth login -q --email demo@example.com --password-stdin && mly-auth status | jq -r .username
  demo
  ! mly-auth: the token was refused (revoked or expired): run mly-auth login
  status 3
  demo

mly-auth logout: the token line goes, every other line stays, the file
stays 0600; nothing to remove is no error.

  $ . ./auth.sh && echo secret | mly-auth login -q --email demo@example.com --password-stdin &&
  >   mly-auth logout && stat -c %a config.ini && masked && mly-auth logout
  ! mly-auth: the token was removed from */config.ini (glob)
  600
  ; the settings of this case
  [mapillary]
  graph_url = URL/graph
  client_token = MLY|4242|0123456789abcdef0123456789abcdef
  retries = 1
  timeout = 5
  ! mly-auth: no token stored in */config.ini (glob)
  $ . ./auth.sh && mly-auth token -q "$MLY_FAKE_TOKEN" && MAPILLARY_ACCESS_TOKEN=$MLY_FAKE_TOKEN mly-auth logout
  ! mly-auth: the token was removed from */config.ini (glob)
  ! mly-auth: MAPILLARY_ACCESS_TOKEN is still set: the tools use the token it holds
  $ mkdir -p none && cd none && mly-auth logout
  ! mly-auth: no configuration file, so no token to remove (looked for ./config.ini and */.config/mly/config.ini) (glob)

Where the token goes without --config or $MLY_CONFIG: ./config.ini when it
exists, else the user's configuration, created 0600 in a 0700 folder.
--config names the file otherwise.

  $ mkdir -p fresh && cd fresh && HOME=$PWD/home mly-auth token --no-verify MLYsometoken &&
  >   stat -c '%a %n' home/.config/mly home/.config/mly/config.ini && cat home/.config/mly/config.ini | grep -c '^token'
  ! mly-auth: the token is stored in */fresh/home/.config/mly/config.ini (not verified) (glob)
  700 home/.config/mly
  600 home/.config/mly/config.ini
  1
  $ mkdir -p xdg && cd xdg && XDG_CONFIG_HOME=$PWD/conf mly-auth token --no-verify MLYsometoken && ls conf/mly
  ! mly-auth: the token is stored in */xdg/conf/mly/config.ini (not verified) (glob)
  config.ini
  $ mkdir -p here && cd here && echo 'jobs = 2' > config.ini && mly-auth token --no-verify MLYsometoken &&
  >   stat -c %a config.ini && sed 's/^token = .*/token = (hidden)/' config.ini
  ! mly-auth: the token is stored in config.ini (not verified)
  600
  jobs = 2
  [mapillary]
  token = (hidden)
  $ . ./auth.sh && cp config.ini other.ini && mly-auth --config other.ini token "$MLY_FAKE_TOKEN" &&
  >   grep -c '^token' config.ini other.ini
  ! mly-auth: the token of demo (user 230948216913107) is stored in other.ini
  config.ini:0
  other.ini:1
  $ mly-auth --config missing.ini status
  ! mly-auth: config file 'missing.ini' (given by --config) does not exist
  [2]

The token in no output: every command above that sees it, with -v, and
their messages all together; neither token nor password appears.

  $ . ./auth.sh && {
  >   echo secret | mly-auth -v login --email demo@example.com --password-stdin
  >   echo wrong | mly-auth -v login --email demo@example.com --password-stdin
  >   mly-auth -v status
  >   token_of ana | mly-auth -v token -
  >   mly-auth -v token "$MLY_FAKE_TOKEN-x"
  >   curl -sf -X POST "$MLY_FAKE_URL/__fake/revoke?user=ana" > /dev/null
  >   mly-auth -v status
  >   MAPILLARY_ACCESS_TOKEN=$MLY_FAKE_TOKEN mly-auth -v status
  >   MAPILLARY_ACCESS_TOKEN=$MLY_FAKE_TOKEN-x mly-auth -v status
  >   mly-auth -v logout
  >   mly-auth -v token --no-verify "$MLY_FAKE_TOKEN"
  >   mly_fake_stop
  >   mly-auth -v status
  > } > all.log 2>&1; sed 's/127.0.0.1:[0-9]*/HOST/' all.log
  > grep -e "$MLY_FAKE_TOKEN" -e secret all.log || echo neither token nor password
  mly-auth: logged in as demo (user 230948216913107); the token is stored in */config.ini (glob)
  mly-auth: login refused: The email or password you entered is incorrect.
  {"user_id":"230948216913107","username":"demo","config":"*/config.ini","token_source":"*/config.ini:3"} (glob)
  mly-auth: the token of ana (user 677335129041238) is stored in */config.ini (glob)
  mly-auth: GET http://HOST/graph/me?fields=id,username: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token (token in the configuration, or MAPILLARY_ACCESS_TOKEN)
  mly-auth: the token was refused (revoked, expired or mistyped); nothing was stored
  mly-auth: GET http://HOST/graph/me?fields=id,username: HTTP 401 Unauthorized: Error validating access token: The user has not authorized application. (code 190); check the access token (token in the configuration, or MAPILLARY_ACCESS_TOKEN)
  mly-auth: the token was refused (revoked or expired): run mly-auth login
  {"user_id":"230948216913107","username":"demo","config":"*/config.ini","token_source":"MAPILLARY_ACCESS_TOKEN"} (glob)
  mly-auth: GET http://HOST/graph/me?fields=id,username: HTTP 401 Unauthorized: Invalid OAuth 2.0 Access Token (code 190); check the access token (token in the configuration, or MAPILLARY_ACCESS_TOKEN)
  mly-auth: the token from MAPILLARY_ACCESS_TOKEN was refused (revoked or expired): run mly-auth login
  mly-auth: the token was removed from */config.ini (glob)
  mly-auth: the token is stored in */config.ini (not verified) (glob)
  mly-auth: GET http://HOST/graph/me?fields=id,username: could not connect; retry 1 of 1 in * s (glob)
  mly-auth: GET http://HOST/graph/me?fields=id,username: could not connect (gave up after 2 attempts)
  neither token nor password
