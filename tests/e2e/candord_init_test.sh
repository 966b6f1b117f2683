#!/usr/bin/env bash
# End-to-end test of setting up a deployment: `candor init` writes a 0600 key file and prints the
# first admin's credentials once; the admin logs in over HTTP with the printed password and an
# oathtool TOTP code (and later with a recovery code), and the printed API key works; a second
# init refuses; `candor keys create` makes a key with its scopes; candord refuses a key file
# that others may read, refuses a bad configuration file naming the key and line (exit 2), and
# takes each setting from flag, environment, then file.
# Usage: candord_init_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"

# value NAME: the NAME=... line `candor init` printed.
value() { sed -n "s/^$1=//p" "$work/init"; }

start_candord 1
check "init printed every credential" test -n "$(value CANDOR_ADMIN_LOGIN)" -a \
    -n "$(value CANDOR_ADMIN_PASSWORD)" -a -n "$(value CANDOR_ADMIN_TOTP_SECRET)" -a \
    -n "$(value CANDOR_ADMIN_RECOVERY_CODES)" -a -n "$(value CANDOR_ADMIN_KEY)"
check "the TOTP secret comes as an otpauth:// URI too" \
    grep -q "^CANDOR_ADMIN_TOTP_URI=otpauth://totp/.*secret=$(value CANDOR_ADMIN_TOTP_SECRET)" \
    "$work/init"
check "the key file has mode 0600" test "$(stat -c %a "$work/candor.db.keys")" = 600
check "the key file holds the three keys" \
    grep -qE '^vault_key = "[0-9a-f]{64}"$' "$work/candor.db.keys"

login() {
    curl -s -o "$work/login" -w '%{http_code}' -X POST "$base/v1/auth/login" \
        -d "{\"kind\":\"staff\",\"login\":\"$(value CANDOR_ADMIN_LOGIN)\",\"password\":\"$(value CANDOR_ADMIN_PASSWORD)\",\"code\":\"$1\"}"
}
check "login without a code: 401 totp-required" test "$(login '')" = 401
check "  ...names the code" grep -q 'totp-required' "$work/login"
code="$(oathtool --totp -b "$(value CANDOR_ADMIN_TOTP_SECRET)")"
check "login with the password and an oathtool code: 200" test "$(login "$code")" = 200
token="$(grep -o '"token":"[^"]*"' "$work/login" | cut -d'"' -f4)"
check "the admin session lists keys" test "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $token" "$base/v1/keys")" = 200
recovery="$(value CANDOR_ADMIN_RECOVERY_CODES | cut -d' ' -f1)"
check "login with a recovery code: 200" test "$(login "$recovery")" = 200
check "the printed API key lists keys" grep -q '^200 ' <<<"$(request GET /v1/keys)"
check "  ...and is the admin key init made" grep -q '"name":"admin (candor init)"' "$work/body"

"$candor" keys create --db "$work/candor.db" --name reader --scopes members:read >"$work/created"
check "keys create: exit 0" test $? -eq 0
reader="$(sed -n 's/^CANDOR_KEY=//p' "$work/created")"
check "the new key reads members" test "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $reader" "$base/v1/members/m_00000001")" = 200
check "  ...but may not list keys" test "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $reader" "$base/v1/keys")" = 403
stop_candord

second="$("$candor" init --db "$work/candor.db" 2>&1)"
check "a second init: exit 1" test $? -eq 1
check "  ...one line: the key file exists" \
    test "$second" = "candor: the key file $work/candor.db.keys exists; refusing to overwrite it"
other="$("$candor" init --db "$work/candor.db" --keys-file "$work/other.keys" 2>&1)"
check "init with another key file on an initialized database: exit 1" test $? -eq 1
check "  ...says it is initialized" grep -q 'already initialized' <<<"$other"
check "  ...and writes no key file" test ! -e "$work/other.keys"
demo="$("$candor" demo --db "$work/candor.db" 2>&1)"
check "demo refuses to recreate an initialized database: exit 1" test $? -eq 1
check "  ...saying why" grep -q 'belongs to a deployment' <<<"$demo"
check "  ...and leaves it initialized" test -n "$(sqlite3 "$work/candor.db" 'SELECT id FROM staff')"

chmod 644 "$work/candor.db.keys"
"$candord" --listen 127.0.0.1:0 --db "sqlite:$work/candor.db" 2>"$work/log644"
check "candord with a 0644 key file: exit 1" test $? -eq 1
check "  ...saying chmod 600" grep -q "chmod 600 $work/candor.db.keys" "$work/log644"
chmod 600 "$work/candor.db.keys"

printf 'db = "sqlite:%s"\n\nlisen = "127.0.0.1:0"\n' "$work/candor.db" >"$work/bad.toml"
"$candord" --config "$work/bad.toml" 2>"$work/logbad"
check "an unknown key in the file: exit 2" test $? -eq 2
check "  ...naming the file, line and key" \
    grep -q "\"error\":\"$work/bad.toml:3: unknown key 'lisen'\"" "$work/logbad"
printf 'threads = "two"\n' >"$work/type.toml"
CANDOR_CONFIG="$work/type.toml" "$candord" 2>"$work/logtype"
check "a wrong type via CANDOR_CONFIG: exit 2 naming it" \
    grep -q "type.toml:1: threads: must be an integer" "$work/logtype"

# The file says port 1 and a database that does not exist; the environment names the right
# database and port 2; the flag says port 0. candord must serve the environment's database on a
# free port.
printf 'db = "sqlite:%s/missing/x.db"\nlisten = "127.0.0.1:1"\nkeys_file = "%s"\n' \
    "$work" "$work/candor.db.keys" >"$work/good.toml"
CANDOR_DB="sqlite:$work/candor.db" CANDOR_LISTEN=127.0.0.1:2 \
    "$candord" --config "$work/good.toml" --listen 127.0.0.1:0 >/dev/null 2>"$work/log" &
server_pid=$!
port="$(wait_listening "$work/log")"
check "flag beats environment beats file: a free port" test "$port" -gt 2
check "  ...and the environment's database" grep -q "\"db\":\"sqlite:$work/candor.db\"" "$work/log"
base="http://127.0.0.1:$port"
check "  ...which answers with init's key" grep -q '^200 ' <<<"$(request GET /v1/keys)"
stop_candord

echo "candord_init_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
