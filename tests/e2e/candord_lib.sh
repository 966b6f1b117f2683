# Shared by the candord end-to-end scripts (sourced, not run). Expects $candord, $candor and
# $work. Gives: check, start_candord MEMBERS (sets base, key, auth, server_pid), request,
# stop_candord (SIGTERM, then checks exit 0 and `candor check`), and cleanup on exit.
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

# start_candord MEMBERS [FLAG...]: a fresh database with MEMBERS members (m_00000001...),
# candord on a port the kernel picks (logged in its "listening" line) with --bootstrap-admin-key,
# which prints an admin key on stdout because the database has none yet, and any further flags.
start_candord() {
    "$candor" gen --db "$work/candor.db" --members "$1" --events 0 --quiet >/dev/null || exit 1
    shift
    "$candord" --listen 127.0.0.1:0 --db "sqlite:$work/candor.db" --threads 2 \
        --bootstrap-admin-key "$@" >"$work/out" 2>"$work/log" &
    server_pid=$!
    local port=""
    for _ in $(seq 1 100); do
        port="$(grep -o '"msg":"listening".*"port":[0-9]*' "$work/log" | grep -o '[0-9]*$' || true)"
        [ -n "$port" ] && break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "FAIL candord did not start:"
        sed 's/^/    /' "$work/log"
        exit 1
    fi
    base="http://127.0.0.1:$port"
    key="$(sed -n 's/^CANDOR_ADMIN_KEY=//p' "$work/out")"
    if [ -z "$key" ]; then
        echo "FAIL candord printed no bootstrap admin key"
        exit 1
    fi
    auth=(-H "Authorization: Bearer $key")
}

# request METHOD PATH [BODY [IDEMPOTENCY_KEY]]: prints "STATUS CONTENT-TYPE", then the body.
request() {
    local args=()
    [ $# -ge 3 ] && args+=(--data-binary "$3" -H 'Content-Type: application/json')
    [ $# -ge 4 ] && args+=(-H "Idempotency-Key: $4")
    curl -s -X "$1" "${args[@]}" "${auth[@]}" -o "$work/body" -w '%{http_code} %{content_type}\n' "$base$2"
    cat "$work/body"
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
