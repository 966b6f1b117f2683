#!/usr/bin/env bash
# End-to-end test of candord: start it on a free loopback port over a fresh database, check
# health, earn through POST /v1/events (created, then replayed), a malformed body's problem,
# /metrics (requests, and the committer's batches, queue waits and transaction times), then
# SIGTERM: exit 0, and `candor check` passes on the database it leaves.
# Usage: candord_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"
start_candord 3

healthz="$(request GET /healthz)"
check "healthz answers ok" grep -q '^200 application/json' <<<"$healthz"
readyz="$(request GET /readyz)"
check "readyz says ready" grep -q '^200 ' <<<"$readyz"

event='{"id":"till-1-0001","member":"m_00000001","type":"purchase","amount":1250}'
first="$(request POST /v1/events "$event")"
check "an event earns: 201" grep -q '^201 application/json' <<<"$first"
check "the default program: 1 point per 100 minor units" \
    grep -q '"points":12,"program_version":1,"replay":false' <<<"$first"
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
# Twenty events at once, so the committer may group some of them.
pids=()
for i in $(seq 1 20); do
    curl -s -o /dev/null "${auth[@]}" -X POST "$base/v1/events" \
        --data-binary "{\"id\":\"par-$i\",\"member\":\"m_00000002\",\"type\":\"purchase\",\"amount\":500}" &
    pids+=($!)
done
wait "${pids[@]}"
metrics="$(request GET /metrics)"
check "metrics count the events" \
    grep -q 'http_requests_total{route="/v1/events",method="POST",status="201"} 21' <<<"$metrics"
# metric NAME: the value of the unlabelled series NAME.
metric() { awk -v name="$1" '$1 == name { print $2 }' <<<"$metrics"; }
batches="$(metric candor_committer_batches_total)"
commands="$(metric candor_committer_commands_total)"
check "the committer committed batches" test "${batches:-0}" -ge 1
check "the committer ran the 21 earns and a replay" test "${commands:-0}" -ge 22
check "batch sizes sum to the commands" test "$(metric candor_committer_batch_commands_sum)" = "$commands"
check "one batch size per batch" test "$(metric candor_committer_batch_commands_count)" = "$batches"
check "every batch size is in a bucket" \
    grep -q "^candor_committer_batch_commands_bucket{le=\"+Inf\"} $batches\$" <<<"$metrics"
check "one queue wait per command" test "$(metric candor_committer_queue_wait_seconds_count)" = "$commands"
check "one transaction time per batch" \
    test "$(metric candor_committer_transaction_seconds_count)" = "$batches"
check "transactions took time" \
    awk '$1 == "candor_committer_transaction_seconds_sum" && $2 > 0 { found = 1 } END { exit !found }' <<<"$metrics"
check "nothing is queued" test "$(metric candor_committer_queue_commands)" = 0
check "the scrape's own connection is open" test "$(metric http_connections_open)" -ge 1
check "log lines carry the route pattern, never a body" \
    bash -c "grep -q '\"route\":\"/v1/events\"' '$work/log' && ! grep -q 'till-1-0001' '$work/log'"
docs="$(request GET /docs | head -1)"   # the 2.5 MB page stays in $work/body
check "/docs: 200 text/html" grep -q '^200 text/html' <<<"$docs"
check "/docs: the reference titled with the API's title" grep -q '<title>Candor API' "$work/body"

stop_candord

echo "candord_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
