#!/usr/bin/env bash
# End-to-end test of editing the program over HTTP: `candor init` publishes the retail template
# as version 1; a draft with an expression error answers 422 with its path, line and column and
# saves nothing; the fixed draft is saved and published as version 2, another edit as version 3;
# versions page newest first; version 1 reads back and restores into the draft; two publishes on
# the same version race and exactly one wins (the other 409 program-conflict); a campaign budget
# is funded and shows its balance; the audit log has the publishes, the restore and the funding;
# a manager's session edits and publishes, an analyst's reads but may not write, a support
# agent's may do neither; and candor check passes at the end.
# Usage: candord_program_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"
init_template=retail start_candord 1

# body: the last answer's body, from request's output file.
body() { cat "$work/body"; }
# status OUTPUT: the status of request's output.
status() { head -1 <<<"$1" | cut -d' ' -f1; }

# program BONUS CONDITION: a small program whose campaign draws on budget spring-2026.
program() {
    cat <<EOF
{"schema_version": 1, "name": {"ru": "Тест", "en": "Test"},
 "rules": [
  {"id": "base", "name": {"ru": "База", "en": "Base"}, "events": ["purchase"],
   "earn": {"rate": {"points": 1, "per": 100}}},
  {"id": "big", "name": {"ru": "Крупная", "en": "Big"}, "events": ["purchase"],
   "condition": "$2", "earn": {"fixed": $1}}],
 "campaigns": [
  {"id": "spring", "name": {"ru": "Весна", "en": "Spring"},
   "schedule": {"from": "2027-03-01", "to": "2027-05-31"}, "budget": "spring-2027",
   "rules": [{"id": "spring-bonus", "name": {"ru": "Бонус", "en": "Bonus"},
              "events": ["purchase"], "earn": {"fixed": 10}}]}]}
EOF
}

check "init published the retail template" grep -q 'retail template (Retail chain), published as version 1' "$work/init"
initial="$(request GET /v1/program/draft)"
check "the draft before any save: the version in force (200)" grep -q '^200 ' <<<"$initial"
check "  ...source version 1 by candor init" test "$(body | jq -r '[.source, .latest_version, .updated_by] | join(",")')" = "version,1,candor init"

bad="$(request PUT /v1/program/draft "$(program 5 'event.amout >= 1000')")"
check "a draft with an unknown field: 422" test "$(status "$bad")" = 422
check "  ...invalid-rule, as problem+json" \
    test "$(head -1 <<<"$bad" | cut -d' ' -f2)/$(body | jq -r .type)" = \
    "application/problem+json/https://candor.dev/problems/invalid-rule"
check "  ...names path, line and column" \
    test "$(body | jq -r '[.path, .line, .column] | map(tostring) | join(",")')" = "rules[1].condition,1,7"
request GET /v1/program/draft >/dev/null
check "  ...and nothing was saved" test "$(body | jq -r .source)" = version

fixed="$(request PUT /v1/program/draft "$(program 5 'event.amount >= 1000')")"
check "the fixed draft: saved (200)" grep -q '^200 ' <<<"$fixed"
check "  ...as the draft, in canonical form" \
    test "$(body | jq -r '[.source, .program.currency, .is_published] | map(tostring) | join(",")')" = "draft,RUB,false"

published="$(request POST /v1/program/publish '{"note": "spring campaign", "expected_version": 1}' pub-1)"
check "publish: 201" test "$(status "$published")" = 201
check "  ...version 2" test "$(body | jq -r .version)" = 2
retried="$(request POST /v1/program/publish '{"note": "spring campaign", "expected_version": 1}' pub-1)"
check "  ...a retry replays it (200)" test "$(status "$retried")" = 200
check "  ...version 2 again" test "$(body | jq -r '[.version, .replay] | map(tostring) | join(",")')" = "2,true"
request PUT /v1/program/draft "$(program 7 'event.amount >= 2000')" >/dev/null
request POST /v1/program/publish '{"expected_version": 2}' pub-2 >/dev/null
check "another edit published: version 3" test "$(body | jq -r .version)" = 3

request GET '/v1/program/versions?limit=2' >/dev/null
check "versions page 1: 3, 2" test "$(body | jq -r '[.versions[].version] | map(tostring) | join(",")')" = "3,2"
cursor="$(body | jq -r .next_cursor)"
request GET "/v1/program/versions?limit=2&cursor=$cursor" >/dev/null
check "versions page 2: 1, and the end" \
    test "$(body | jq -r '[(.versions[].version | tostring), (.next_cursor | tostring)] | join(",")')" = "1,null"

request GET /v1/program/versions/1 >/dev/null
check "version 1 is the retail template, published by candor init" \
    test "$(body | jq -r '[.program.name.en, .published_by] | join(",")')" = "Retail chain,candor init"
body | jq -S .program >"$work/version1"
restored="$(request POST /v1/program/versions/1/restore)"
check "restore 1: 200" grep -q '^200 ' <<<"$restored"
request GET /v1/program/draft >/dev/null
body | jq -S .program >"$work/draft"
check "  ...the draft equals version 1" cmp -s "$work/version1" "$work/draft"
check "  ...and is not yet published (3 is in force)" \
    test "$(body | jq -r '[.is_published, .latest_version] | map(tostring) | join(",")')" = "false,3"

# Two managers publish on version 3 at the same time: one wins, the other is told to re-read.
racers=()
for i in 1 2; do
    curl -s -o "$work/race$i" -w '%{http_code}' -X POST "${auth[@]}" \
        -H "Idempotency-Key: race-$i" -d '{"expected_version": 3}' "$base/v1/program/publish" \
        >"$work/race$i.status" &
    racers+=($!)
done
wait "${racers[@]}"  # not candord, which runs in the background too
statuses="$(printf '%s\n%s\n' "$(cat "$work/race1.status")" "$(cat "$work/race2.status")" | sort | tr '\n' ' ')"
check "a publish race: one 201, one 409" test "$statuses" = "201 409 "
check "  ...the loser is program-conflict" grep -q 'program-conflict' "$work/race1" "$work/race2"
request GET /v1/program/versions >/dev/null
check "  ...and exactly one version 4" test "$(body | jq -r '[.versions[].version] | map(tostring) | join(",")')" = "4,3,2,1"

request GET /v1/program/budgets >/dev/null
check "budgets: the template's and ours, empty" \
    test "$(body | jq -r '[.budgets[] | "\(.code)=\(.balance)"] | join(",")')" = "black-friday-2026=0,spring-2027=0"
check "  ...the version in force (the restored retail) uses black-friday-2026" \
    test "$(body | jq -r '.budgets[0].campaigns | join(",")')" = "black-friday"
funded="$(request POST /v1/program/budgets/spring-2027/fund '{"points": 5000}' fund-1)"
check "fund spring-2027: 201" grep -q '^201 ' <<<"$funded"
request GET /v1/program/budgets >/dev/null
check "  ...its balance is 5000" \
    test "$(body | jq -r '.budgets[] | select(.code == "spring-2027") | .balance')" = 5000
unknown="$(request POST /v1/program/budgets/nope/fund '{"points": 1}' fund-2)"
check "an unknown budget: 404" test "$(status "$unknown")" = 404
check "  ...unknown-budget" grep -q unknown-budget "$work/body"

request GET '/v1/audit?limit=100' >/dev/null
check "audit: publishes of 2, 3 and 4" \
    test "$(body | jq -r '[.events[] | select(.action == "program.publish") | .target] | join(",")')" = "4,3,2"
check "audit: the restore of 1 and the funding" \
    test "$(body | jq -r '[.events[] | select(.action == "program.restore" or .action == "budget.fund") | "\(.action):\(.target)"] | join(",")')" = "budget.fund:spring-2027,program.restore:1"

# Staff sessions: created by the admin, TOTP enrolled with oathtool, logged in with the next code.
staff_session() {
    local role="$1" email="$1.program@example.com" password="e2e staff password"
    request POST /v1/staff "{\"email\":\"$email\",\"display_name\":\"$role\",\"password\":\"$password\",\"role\":\"$role\"}" >/dev/null
    local login="{\"kind\":\"staff\",\"login\":\"$email\",\"password\":\"$password\""
    request POST /v1/auth/login "$login}" >/dev/null
    local enrolment secret
    enrolment="$(jq -r .token "$work/body")"
    as "$enrolment" POST /v1/auth/totp/enroll '{}' >/dev/null
    secret="$(jq -r .secret "$work/body")"
    as "$enrolment" POST /v1/auth/totp/confirm "{\"code\":\"$(oathtool --totp -b "$secret")\"}" >/dev/null
    local next
    next="$(oathtool --totp -b --now "$(date -u -d '+30 seconds' '+%Y-%m-%d %H:%M:%S UTC')" "$secret")"
    request POST /v1/auth/login "$login,\"code\":\"$next\"}" >/dev/null
    jq -r .token "$work/body"
}
manager="$(staff_session manager)"
analyst="$(staff_session analyst)"
support="$(staff_session support)"
check "a manager saves the draft (200)" \
    test "$(status "$(as "$manager" PUT /v1/program/draft "$(program 9 'event.amount >= 3000')")")" = 200
check "  ...and publishes it (201)" \
    test "$(status "$(as "$manager" POST /v1/program/publish '{}' mgr-1)")" = 201
check "  ...and funds a budget (201)" \
    test "$(status "$(as "$manager" POST /v1/program/budgets/spring-2027/fund '{"points": 10}' mgr-2)")" = 201
check "an analyst reads the draft (200)" test "$(status "$(as "$analyst" GET /v1/program/draft)")" = 200
check "  ...the versions (200)" test "$(status "$(as "$analyst" GET /v1/program/versions/1)")" = 200
check "  ...and the budgets (200)" test "$(status "$(as "$analyst" GET /v1/program/budgets)")" = 200
check "  ...but may not save (403)" \
    test "$(status "$(as "$analyst" PUT /v1/program/draft "$(program 1 'true')")")" = 403
check "  ...publish (403)" test "$(status "$(as "$analyst" POST /v1/program/publish '{}' an-1)")" = 403
check "  ...restore (403)" test "$(status "$(as "$analyst" POST /v1/program/versions/1/restore)")" = 403
check "  ...or fund (403)" \
    test "$(status "$(as "$analyst" POST /v1/program/budgets/spring-2027/fund '{"points": 1}' an-2)")" = 403
check "a support agent may not read the program (403)" \
    test "$(status "$(as "$support" GET /v1/program/draft)")" = 403
check "  ...nor save it (403)" \
    test "$(status "$(as "$support" PUT /v1/program/draft "$(program 1 'true')")")" = 403

stop_candord
echo "candord_program_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
