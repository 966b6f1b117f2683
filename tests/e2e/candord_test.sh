#!/usr/bin/env bash
# End-to-end test of candord: start it on a free loopback port over a fresh database, check
# health, earn through POST /v1/events (created, then replayed), a malformed body's problem,
# then SIGTERM: exit 0, and `candor check` passes on the database it leaves.
# Usage: candord_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0

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

# The database with three members (m_00000001 to m_00000003) to earn for.
"$candor" gen --db "$work/candor.db" --members 3 --events 0 --quiet >/dev/null || exit 1

# Port 0: the kernel picks a free port, which candord logs in its "listening" line.
# --bootstrap-admin-key prints an admin key on stdout (the database has none yet).
"$candord" --listen 127.0.0.1:0 --db "sqlite:$work/candor.db" --threads 2 --bootstrap-admin-key \
    >"$work/out" 2>"$work/log" &
server_pid=$!
port=""
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

# request METHOD PATH [BODY]: prints "STATUS CONTENT-TYPE" then the body on the next line.
request() {
    local data=()
    [ $# -ge 3 ] && data=(--data-binary "$3" -H 'Content-Type: application/json')
    curl -s -X "$1" "${data[@]}" "${auth[@]}" -o "$work/body" -w '%{http_code} %{content_type}\n' "$base$2"
    cat "$work/body"
}

healthz="$(request GET /healthz)"
check "healthz answers ok" grep -q '^200 application/json' <<<"$healthz"
readyz="$(request GET /readyz)"
check "readyz says ready" grep -q '^200 ' <<<"$readyz"

event='{"id":"till-1-0001","member":"m_00000001","type":"purchase","amount":1250}'
first="$(request POST /v1/events "$event")"
check "an event earns: 201" grep -q '^201 application/json' <<<"$first"
check "1 point per 100 minor units" grep -q '"points":12,"replay":false' <<<"$first"
again="$(request POST /v1/events "$event")"
check "the same event again is a replay: 200" grep -q '^200 ' <<<"$again"
check "the replay names the same entry" grep -q '"replay":true' <<<"$again"

malformed="$(request POST /v1/events '{"id": "x", "member": ')"
check "malformed JSON: 400 problem+json" grep -q '^400 application/problem+json' <<<"$malformed"
check "the problem names its type and field" \
    grep -q '"type":"https://candor.dev/problems/invalid-argument".*"field":"body"' <<<"$malformed"
unknown_field="$(request POST /v1/events '{"id":"x","member":"m_00000001","type":"purchase","amount":5,"memo":1}')"
check "unknown field: 400 naming it" grep -q '"field":"memo"' <<<"$unknown_field"
stranger="$(request POST /v1/events '{"id":"y","member":"m_00000099","type":"purchase","amount":500}')"
check "unknown member: 404 problem" grep -q '^404 application/problem+json' <<<"$stranger"
check "unknown path: 404 problem" grep -q '^404 application/problem+json' <<<"$(request GET /v1/nope)"
check "wrong method: 405" grep -q '^405 ' <<<"$(request GET /v1/events)"

echoed="$(curl -s -D - -o /dev/null -H 'X-Request-Id: e2e-42' "$base/healthz")"
check "X-Request-Id is echoed" grep -qi '^x-request-id: e2e-42' <<<"$echoed"
metrics="$(request GET /metrics)"
check "metrics count the events" \
    grep -q 'http_requests_total{route="/v1/events",method="POST",status="201"} 1' <<<"$metrics"
check "log lines carry the route pattern, never a body" \
    bash -c "grep -q '\"route\":\"/v1/events\"' '$work/log' && ! grep -q 'till-1-0001' '$work/log'"

kill -TERM "$server_pid"
wait "$server_pid"
status=$?
server_pid=""
check "SIGTERM: exit 0" test "$status" -eq 0
check "the log says it stopped" grep -q '"msg":"stopped"' "$work/log"
check "candor check passes on the database" "$candor" check --db "sqlite:$work/candor.db"

echo "candord_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
