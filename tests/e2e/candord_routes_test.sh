#!/usr/bin/env bash
# End-to-end test of every ledger route of candord over HTTP: enrol (given and generated ids),
# read, change settings by merge patch, earn through /v1/events and /v1/events:batch, balance,
# history paged by next_cursor, hold then partial capture, hold then void, a reversal, an adjustment, idempotent replays, a
# 409 for a reused key with another body, a missing Idempotency-Key, unknown members and
# validation errors naming their field, /openapi.json; then SIGTERM, and `candor check` passes.
# Usage: candord_routes_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"
start_candord 1

# has TEXT REGEX...: every extended REGEX matches TEXT.
has() {
    local text="$1"
    shift
    for regex in "$@"; do
        grep -qE -- "$regex" <<<"$text" || return 1
    done
}
# number TEXT NAME: the first numeric value of "NAME":N in TEXT.
number() { grep -o "\"$2\":-\?[0-9]*" <<<"$1" | head -1 | cut -d: -f2; }
# problem TEXT STATUS SLUG FIELD: a problem+json answer with that status, type and field.
problem() {
    has "$1" "^$2 application/problem\+json" &&
        has "$1" "\"type\":\"https://candor.dev/problems/$3\"" &&
        { [ -z "$4" ] || has "$1" "\"field\":\"$4\""; }
}

# Members.
enrolled="$(request POST /v1/members '{"id":"m_e2e"}' enrol-1)"
check "enrol: 201 with the id" has "$enrolled" '^201 ' '"id":"m_e2e"' '"replay":false'
check "enrol: created_at in RFC 3339 UTC" \
    has "$enrolled" '"created_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"'
again="$(request POST /v1/members '{"id":"m_e2e"}' enrol-1)"
check "enrol replayed: 200, replay true" has "$again" '^200 '
check "enrol replayed: same member" has "$again" '"id":"m_e2e".*"replay":true'
check "same key, other body: 409 idempotency-conflict" \
    problem "$(request POST /v1/members '{"id":"m_other"}' enrol-1)" 409 idempotency-conflict Idempotency-Key
check "no Idempotency-Key: 400 naming it" \
    problem "$(request POST /v1/members '{"id":"m_x"}')" 400 invalid-argument Idempotency-Key
check "bad public id: 400 field id" \
    problem "$(request POST /v1/members '{"id":"has space"}' enrol-2)" 400 invalid-argument id
check "enrol unknown field: 400 naming it" \
    problem "$(request POST /v1/members '{"name":"Anna"}' enrol-3)" 400 invalid-argument name
generated="$(request POST /v1/members '{}' enrol-gen)"
check "enrol without id: generated m_ + 16 hex" has "$generated" '^201 ' '"id":"m_[0-9a-f]{16}"'
generated_id="$(grep -o '"id":"m_[0-9a-f]*"' <<<"$generated" | head -1)"
check "generated enrol replays to the same id" \
    has "$(request POST /v1/members '{}' enrol-gen)" "$generated_id.*\"replay\":true"
check "get member: 200" has "$(request GET /v1/members/m_e2e)" '^200 ' '"id":"m_e2e"'
check "get unknown member: 404 unknown-member" \
    problem "$(request GET /v1/members/m_nobody)" 404 unknown-member ""

# Settings: a JSON merge patch of language and time zone (absent: unchanged, null: the default).
check "get member: the default settings" \
    has "$(request GET /v1/members/m_e2e)" '"language":"ru"' '"time_zone":"Europe/Moscow"'
check "patch language: 200, the time zone unchanged" \
    has "$(request PATCH /v1/members/m_e2e '{"language":"en"}')" '^200 ' '"language":"en"' \
    '"time_zone":"Europe/Moscow"'
check "patch time zone: the language kept" \
    has "$(request PATCH /v1/members/m_e2e '{"time_zone":"Asia/Yekaterinburg"}')" '^200 ' \
    '"language":"en"' '"time_zone":"Asia/Yekaterinburg"'
check "get member shows both" \
    has "$(request GET /v1/members/m_e2e)" '"language":"en"' '"time_zone":"Asia/Yekaterinburg"'
check "patch {}: nothing changes" \
    has "$(request PATCH /v1/members/m_e2e '{}')" '^200 ' '"language":"en"' \
    '"time_zone":"Asia/Yekaterinburg"'
check "patch language null: back to the default, the time zone kept" \
    has "$(request PATCH /v1/members/m_e2e '{"language":null}')" '"language":"ru"' \
    '"time_zone":"Asia/Yekaterinburg"'
check "patch an unknown language: 400 naming it" \
    problem "$(request PATCH /v1/members/m_e2e '{"language":"de"}')" 400 invalid-argument language
check "patch an unknown time zone: 400 naming it" \
    problem "$(request PATCH /v1/members/m_e2e '{"time_zone":"Mars/Olympus"}')" 400 invalid-argument time_zone
check "patch a time zone of the wrong type: 400 naming it" \
    problem "$(request PATCH /v1/members/m_e2e '{"time_zone":3}')" 400 invalid-argument time_zone
check "patch an unknown field: 400 naming it" \
    problem "$(request PATCH /v1/members/m_e2e '{"name":"Anna"}')" 400 invalid-argument name
check "a refused patch changed nothing" \
    has "$(request GET /v1/members/m_e2e)" '"language":"ru"' '"time_zone":"Asia/Yekaterinburg"'
check "patch an unknown member: 404" \
    problem "$(request PATCH /v1/members/m_nobody '{"language":"en"}')" 404 unknown-member ""
patched_headers="$(curl -s -D - -o /dev/null -X PATCH "${auth[@]}" \
    -H 'Content-Type: application/merge-patch+json' --data-binary '{"time_zone":null}' \
    "$base/v1/members/m_e2e")"
check "patch as merge-patch+json: 200, not cached" \
    has "$patched_headers" '^HTTP/1.1 200' '^[Cc]ache-[Cc]ontrol: no-store'
check "time zone null: the deployment's again" \
    has "$(request GET /v1/members/m_e2e)" '"time_zone":"Europe/Moscow"'

# Earning.
earned="$(request POST /v1/events '{"id":"e2e-1","member":"m_e2e","type":"purchase","amount":100000}')"
check "event: 201, 1000 points" has "$earned" '^201 '
check "event: the entry shows the member's posting" \
    has "$earned" '"postings":\[\{"account":"available","amount":1000,"asset":"points"\}\].*"points":1000'
earn_entry="$(number "$earned" id)"
check "event replayed: 200" has "$(request POST /v1/events '{"id":"e2e-1","member":"m_e2e","type":"purchase","amount":100000}')" \
    '^200 ' '"replay":true'
check "event id reused with another amount: 409 naming id" \
    problem "$(request POST /v1/events '{"id":"e2e-1","member":"m_e2e","type":"purchase","amount":5000}')" \
    409 idempotency-conflict id
batch='{"events":[{"id":"e2e-2","member":"m_e2e","type":"purchase","amount":50000},
{"id":"e2e-3","member":"m_e2e","type":"purchase","amount":"x"},
{"id":"e2e-4","member":"m_nobody","type":"purchase","amount":100}]}'
batched="$(request POST /v1/events:batch "$batch")"
check "batch: 207" has "$batched" '^207 application/json'
check "batch: results in order: 201, 400 amount, 404 member" \
    has "$batched" '"status":201.*"field":"amount".*"status":400.*"field":"member".*"status":404'
check "batch: empty is refused" problem "$(request POST /v1/events:batch '{"events":[]}')" \
    400 invalid-argument events
balance="$(request GET /v1/members/m_e2e/balance)"
check "balance: 1500 points" \
    has "$balance" '^200 ' '"cashback":0,"cashback_held":0,"points":1500,"points_held":0,"status":0'
check "balance of unknown member: 404" \
    problem "$(request GET /v1/members/m_nobody/balance)" 404 unknown-member ""

# Holds.
held="$(request POST /v1/holds '{"member":"m_e2e","asset":"points","amount":300,"timeout_seconds":60}' hold-1)"
check "hold: 201 with id and expires_at" has "$held" '^201 ' '"expires_at":"[0-9T:.-]+Z"'
hold="$(grep -o '"id":[0-9]*,"replay"' <<<"$held" | grep -o '[0-9]*')"
check "hold replayed: same id" \
    has "$(request POST /v1/holds '{"member":"m_e2e","asset":"points","amount":300,"timeout_seconds":60}' hold-1)" \
    "\"id\":$hold,\"replay\":true"
check "hold of status points: 400 field asset" \
    problem "$(request POST /v1/holds '{"member":"m_e2e","asset":"status","amount":3,"timeout_seconds":60}' hold-x)" \
    400 invalid-argument asset
check "hold of 0: 422 field amount" \
    problem "$(request POST /v1/holds '{"member":"m_e2e","asset":"points","amount":0,"timeout_seconds":60}' hold-y)" \
    422 invalid-amount amount
check "hold for unknown member: 404 field member" \
    problem "$(request POST /v1/holds '{"member":"m_nobody","asset":"points","amount":1,"timeout_seconds":60}' hold-z)" \
    404 unknown-member member
check "hold of too much: 422 insufficient-balance" \
    problem "$(request POST /v1/holds '{"member":"m_e2e","asset":"points","amount":999999,"timeout_seconds":60}' hold-w)" \
    422 insufficient-balance ""
captured="$(request POST "/v1/holds/$hold/capture" '{"amount":200}' capture-1)"
check "partial capture: 200, a capture of 200" has "$captured" '^200 ' '"kind":"capture"'
check "capture replayed" has "$(request POST "/v1/holds/$hold/capture" '{"amount":200}' capture-1)" '"replay":true'
check "capture of a closed hold: 409 hold-closed" \
    problem "$(request POST "/v1/holds/$hold/capture" '' capture-2)" 409 hold-closed ""
check "capture of an unknown hold: 404 unknown-hold" \
    problem "$(request POST /v1/holds/999999/capture '' capture-3)" 404 unknown-hold ""
held2="$(request POST /v1/holds '{"member":"m_e2e","asset":"points","amount":100,"timeout_seconds":60}' hold-2)"
hold2="$(grep -o '"id":[0-9]*,"replay"' <<<"$held2" | grep -o '[0-9]*')"
check "void: 200" has "$(request POST "/v1/holds/$hold2/void" '' void-1)" '^200 ' '"kind":"void"'
check "void without key: 400" problem "$(request POST "/v1/holds/$hold2/void" '')" \
    400 invalid-argument Idempotency-Key
check "balance after capture 200 of 300 and a void: 1300" \
    has "$(request GET /v1/members/m_e2e/balance)" '"points":1300,"points_held":0'

# Reversal and adjustment.
reversed="$(request POST "/v1/entries/$earn_entry/reverse" '{"part":1,"whole":2}' reverse-1)"
check "reverse half of the first earn: 201, -500" \
    has "$reversed" '^201 ' '"kind":"reversal".*"amount":-500'
check "reverse with part > whole: 422 field whole" \
    problem "$(request POST "/v1/entries/$earn_entry/reverse" '{"part":3,"whole":2}' reverse-2)" \
    422 invalid-amount whole
check "reverse an unknown entry: 404 unknown-entry" \
    problem "$(request POST /v1/entries/999999/reverse '{"part":1,"whole":2}' reverse-3)" 404 unknown-entry ""
adjusted="$(request POST /v1/members/m_e2e/adjustments '{"asset":"points","delta":50,"reason":"goodwill-e2e"}' adjust-1)"
check "adjustment: 201" has "$adjusted" '^201 ' '"kind":"adjust"'
check "adjustment without reason: 400 field reason" \
    problem "$(request POST /v1/members/m_e2e/adjustments '{"asset":"points","delta":5}' adjust-2)" \
    400 invalid-argument reason
check "adjustment for unknown member: 404" \
    problem "$(request POST /v1/members/m_nobody/adjustments '{"asset":"points","delta":5,"reason":"x"}' adjust-3)" \
    404 unknown-member ""
check "balance after reversal and adjustment: 850" \
    has "$(request GET /v1/members/m_e2e/balance)" '"points":850,'

# History: earn, earn, hold, capture, void (rest), hold, void, reversal, adjust = 9 entries.
total=0
pages=0
cursor=""
while :; do
    page="$(request GET "/v1/members/m_e2e/history?limit=4${cursor:+&cursor=$cursor}")"
    has "$page" '^200 ' || break
    total=$((total + $(grep -o '"kind":' <<<"$page" | wc -l)))
    pages=$((pages + 1))
    cursor="$(grep -o '"next_cursor":"[A-Za-z0-9_-]*"' <<<"$page" | cut -d'"' -f4)"
    [ -n "$cursor" ] && [ "$pages" -lt 10 ] || break
done
check "history pages of 4 by next_cursor: 9 entries in 3 pages" test "$total:$pages" = "9:3"
check "history is newest first" has "$(request GET '/v1/members/m_e2e/history?limit=1')" '"kind":"adjust"'
check "history with a forged cursor: 400 field cursor" \
    problem "$(request GET '/v1/members/m_e2e/history?cursor=bogus!')" 400 invalid-argument cursor
check "history with limit 0: 400 field limit" \
    problem "$(request GET '/v1/members/m_e2e/history?limit=0')" 400 invalid-argument limit

# Authentication (docs/api.md): no credentials 401, a key without the scope 403, key creation,
# listing and revocation, a uniform 401 for a wrong login, logout refusing an API key.
# with_key TOKEN METHOD PATH [BODY [KEY]]: request with that bearer token ("": none).
with_key() {
    local auth=()
    [ -n "$1" ] && auth=(-H "Authorization: Bearer $1")
    shift
    request "$@"
}
check "no credentials: 401 unauthenticated" \
    problem "$(with_key "" GET /v1/members/m_e2e)" 401 unauthenticated ""
check "an unknown key: 401" \
    problem "$(with_key "ck_000000000000_nope" GET /v1/members/m_e2e)" 401 unauthenticated ""
created="$(request POST /v1/keys '{"name":"till e2e","scopes":["events:write"]}')"
check "create a key: 201 with the token" has "$created" '^201 ' '"token":"ck_[0-9a-f]{12}_'
till="$(grep -o '"token":"[^"]*"' <<<"$created" | cut -d'"' -f4)"
till_id="$(grep -o '"id":"[0-9a-f]*"' <<<"$created" | cut -d'"' -f4)"
check "a key without members:read: 403 forbidden" \
    problem "$(with_key "$till" GET /v1/members/m_e2e)" 403 forbidden ""
check "the till key earns: 201" has "$(with_key "$till" POST /v1/events \
    '{"id":"till-e2e-1","member":"m_e2e","type":"purchase","amount":100}')" '^201 '
listed="$(request GET /v1/keys)"
check "list keys: both, no secret" has "$listed" '^200 ' '"name":"admin \(candor init\)"' '"name":"till e2e"'
check "the list shows no secret" bash -c "! grep -qF -- '${till:16}' <<<'$listed'"
check "revoke the till key: 200" has "$(request POST "/v1/keys/$till_id/revoke" '')" '^200 ' '"revoked":true'
check "a revoked key: 401" problem "$(with_key "$till" POST /v1/events \
    '{"id":"till-e2e-2","member":"m_e2e","type":"purchase","amount":100}')" 401 unauthenticated ""
check "a wrong login: 401 without naming a field" \
    has "$(with_key "" POST /v1/auth/login '{"kind":"member","login":"nobody@example.com","password":"wrong password"}')" \
    '^401 ' '"type":"https://candor.dev/problems/unauthenticated"'
check "logout with an API key: 403" problem "$(request POST /v1/auth/logout '')" 403 forbidden ""

openapi="$(request GET /openapi.json)"
check "openapi.json: 200, OpenAPI 3.1" has "$openapi" '^200 application/json' '"openapi": "3.1.0"'
check "the reason stays out of the log" bash -c "! grep -q 'goodwill-e2e' '$work/log'"

stop_candord
# Secrets are stored only as digests and never logged: neither key's secret is in the log or in
# any database file (the main file, the WAL).
# A token is ck_ + a 12-character public id + _ + the secret (which may itself contain _).
for secret in "${key:16}" "${till:16}"; do
    check "secret ${secret:0:4}... not in the log" bash -c "! grep -qF -- '$secret' '$work/log'"
    check "secret ${secret:0:4}... not in the database" \
        bash -c "! cat '$work'/candor.db* | grep -qaF -- '$secret'"
done

echo "candord_routes_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
