# Shared by the candord end-to-end scripts (sourced, not run). Expects $candord, $candor and
# $work. Gives: check, wait_listening, start_candord MEMBERS (sets base, key, auth, server_pid;
# or its two halves prepare_candord MEMBERS and launch_candord, to change the database between
# them), request, as (request with another bearer), stop_candord (SIGTERM, then checks exit 0
# and `candor check`), and cleanup on exit.
server_pid=""
passed=0
failed=0

cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# check NAME COMMAND...: counts COMMAND's success or failure under NAME.
check() {
    local name="$1"
    shift
    if "$@"; then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name"
        failed=$((failed + 1))
    fi
}

# wait_listening LOG: the port candord logged in its "listening" line (the kernel picks it with
# --listen 127.0.0.1:0); exits the test when candord does not start within 10 s.
wait_listening() {
    local port=""
    for _ in $(seq 1 100); do
        port="$(grep -o '"msg":"listening".*"port":[0-9]*' "$1" | grep -o '[0-9]*$' || true)"
        [ -n "$port" ] && break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "FAIL candord did not start:" >&2
        sed 's/^/    /' "$1" >&2
        exit 1
    fi
    echo "$port"
}

# start_candord MEMBERS [CANDORD_ARGS...]: prepare_candord MEMBERS, then launch_candord.
start_candord() {
    prepare_candord "$1"
    shift
    launch_candord "$@"
}

# prepare_candord MEMBERS: `candor init --template $init_template` (default: the default
# program, 1 point per 100 minor units) on a fresh database (its output, with the admin's
# credentials, in $work/init) and MEMBERS members (m_00000001...). Sets key (init's admin API
# key) and auth.
prepare_candord() {
    "$candor" init --db "$work/candor.db" --template "${init_template:-default}" >"$work/init" || exit 1
    "$candor" gen --db "$work/candor.db" --members "$1" --events 0 --quiet >/dev/null || exit 1
    key="$(sed -n 's/^CANDOR_ADMIN_KEY=//p' "$work/init")"
    if [ -z "$key" ]; then
        echo "FAIL candor init printed no admin key"
        exit 1
    fi
    auth=(-H "Authorization: Bearer $key")
}

# launch_candord [CANDORD_ARGS...]: candord on the prepared database, on a port the kernel
# picks. Sets base and server_pid.
launch_candord() {
    "$candord" --listen 127.0.0.1:0 --db "sqlite:$work/candor.db" --threads 2 "$@" \
        >"$work/out" 2>"$work/log" &
    server_pid=$!
    local port
    port="$(wait_listening "$work/log")" || exit 1
    base="http://127.0.0.1:$port"
}

# request METHOD PATH [BODY [IDEMPOTENCY_KEY]]: prints "STATUS CONTENT-TYPE", then the body.
request() {
    local args=()
    [ $# -ge 3 ] && args+=(--data-binary "$3" -H 'Content-Type: application/json')
    [ $# -ge 4 ] && args+=(-H "Idempotency-Key: $4")
    curl -s -X "$1" "${args[@]}" "${auth[@]}" -o "$work/body" -w '%{http_code} %{content_type}\n' "$base$2"
    cat "$work/body"
}

# as TOKEN METHOD PATH [BODY [IDEMPOTENCY_KEY]]: like request, with TOKEN as the bearer.
as() {
    local token="$1"
    shift
    local saved=("${auth[@]}")
    auth=(-H "Authorization: Bearer $token")
    request "$@"
    auth=("${saved[@]}")
}

# stop_candord: SIGTERM must stop candord with exit 0, leaving a database that passes check.
stop_candord() {
    kill -TERM "$server_pid"
    wait "$server_pid"
    local status=$?
    server_pid=""
    check "SIGTERM: exit 0" test "$status" -eq 0
    check "the log says it stopped" grep -q '"msg":"stopped"' "$work/log"
    check "candor check passes on the database" "$candor" check --db "sqlite:$work/candor.db"
}
