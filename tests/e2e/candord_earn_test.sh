#!/usr/bin/env bash
# End-to-end test of earning through the program engine: a program published into the database
# (and a funded campaign budget) before candord starts, then over HTTP: the base rate, a weekend
# rule by occurred_at, a capped rule hitting its daily cap over several events and under 50
# concurrent requests (the counter and the balance never pass it), a campaign budget that never
# goes below zero, a refund reversing part of its purchase, a replay and a 409, events refused
# naming their field with nothing written, history explanations in Russian and in English after
# PATCH language, and simulate equal to earning the same events for real; then SIGTERM, and
# `candor check` passes.
# Usage: candord_earn_test.sh PATH_TO_CANDORD PATH_TO_CANDOR PATH_TO_E2E_FIXTURE
set -uo pipefail
candord="$1"
candor="$2"
fixture="$3"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"

# has TEXT REGEX...: every extended REGEX matches TEXT.
has() {
    local text="$1"
    shift
    for regex in "$@"; do
        grep -qE -- "$regex" <<<"$text" || return 1
    done
}
# body TEXT: the JSON body of a `request` answer (its first line is the status).
body() { tail -n +2 <<<"$1"; }
# problem TEXT STATUS SLUG FIELD: a problem+json answer with that status, type and field.
problem() {
    has "$1" "^$2 application/problem\+json" &&
        has "$1" "\"type\":\"https://candor.dev/problems/$3\"" &&
        { [ -z "$4" ] || has "$1" "\"field\":\"$4\""; }
}
# event ID MEMBER AMOUNT OCCURRED_AT [MORE]: a purchase's JSON; MORE is extra members.
event() {
    echo "{\"id\":\"$1\",\"member\":\"$2\",\"type\":\"purchase\",\"amount\":$3,\"occurred_at\":\"$4\"${5:+,$5}}"
}
points() { body "$(request GET "/v1/members/$1/balance")" | jq -r .points; }
sql() { sqlite3 "$work/candor.db" "$1"; }

prepare_candord 8
cat >"$work/program.json" <<'EOF'
{"schema_version": 1, "name": {"ru": "Сеть кофеен", "en": "Coffee chain"},
 "groups": [{"id": "base", "stacking": "exclusive"}],
 "rules": [
  {"id": "base", "name": {"ru": "База", "en": "Base"}, "events": ["purchase"], "group": "base",
   "earn": {"rate": {"points": 1, "per": 10000}}},
  {"id": "weekend", "name": {"ru": "Выходные", "en": "Weekend"}, "events": ["purchase"],
   "group": "base", "priority": 10, "window": {"days": ["sat", "sun"]},
   "earn": {"rate": {"points": 1, "per": 10000}, "multiplier": 2}},
  {"id": "coffee", "name": {"ru": "Кофе", "en": "Coffee"}, "events": ["purchase"],
   "items": "item.category == 'coffee'", "earn": {"fixed": 10}, "caps": {"day": 25}}],
 "campaigns": [{"id": "bf", "name": {"ru": "Чёрная пятница", "en": "Black Friday"},
   "schedule": {"from": "2026-11-27", "to": "2026-11-30"}, "budget": "bf",
   "rules": [{"id": "bf-bonus", "name": {"ru": "Бонус", "en": "Bonus"}, "events": ["purchase"],
              "earn": {"rate": {"points": 5, "per": 10000}}}]}]}
EOF
check "the program is published into the database" \
    test "$("$fixture" publish "sqlite:$work/candor.db" "$work/program.json")" = 2
check "the campaign budget is opened and funded with 120" \
    "$fixture" budget "sqlite:$work/candor.db" bf 120
launch_candord

friday="2026-11-20T12:00:00+03:00"
saturday="2026-11-21T12:00:00+03:00"
monday="2026-11-23T12:00:00+03:00"
black_friday="2026-11-27T12:00:00+03:00"

# The base rate and a weekend rule, by the event's own time.
earned="$(request POST /v1/events "$(event base-1 m_00000001 150000 "$friday")")"
check "base rate: 201, 15 points by version 2" \
    has "$earned" '^201 ' '"points":15,' '"program_version":2,' '"replay":false'
check "base rate: explained" \
    has "$earned" "\"en\":\"\\+15 points: purchase of 1,500 RUB, rule 'Base'\""
weekend="$(request POST /v1/events "$(event weekend-1 m_00000001 150000 "$saturday")")"
check "weekend rule by occurred_at: 30 points" has "$weekend" '^201 ' '"points":30,'
check "weekend rule: explained with the day" \
    has "$weekend" "purchase of 1,500 RUB on Saturday, rule 'Weekend' ×2"
check "member 1 has 45 points" test "$(points m_00000001)" = 45

# Replays and conflicts: the event's id is its key, its body the fingerprint.
again="$(request POST /v1/events \
    '{"occurred_at":"2026-11-20T09:00:00Z","amount":150000,"type":"purchase","member":"m_00000001","id":"base-1"}')"
check "the same event (other order, other offset) replays: 200" \
    has "$again" '^200 ' '"replay":true' '"points":15,' '"program_version":2,'
check "the replay names the same entry" \
    test "$(body "$again" | jq .entry.id)" = "$(body "$earned" | jq .entry.id)"
check "the replay explains from the stored entry" \
    test "$(body "$again" | jq -r .explanation.en)" = "$(body "$earned" | jq -r .explanation.en)"
check "another event under the same id: 409 naming id" \
    problem "$(request POST /v1/events "$(event base-1 m_00000001 150001 "$friday")")" \
    409 idempotency-conflict id
check "replay and conflict moved nothing" test "$(points m_00000001)" = 45

# Refused events: the field is named and nothing is written.
entries_before="$(sql 'SELECT COUNT(*) FROM entries')"
check "unknown event type: 400 naming type" \
    problem "$(request POST /v1/events '{"id":"bad-1","member":"m_00000001","type":"sale","amount":5}')" \
    400 invalid-argument type
check "items adding up to more than the event: 422 naming items" \
    problem "$(request POST /v1/events "$(event bad-2 m_00000001 100 "$friday" '"items":[{"amount":101}]')")" \
    422 invalid-amount items
check "a field of another type: 400 naming it" \
    problem "$(request POST /v1/events "$(event bad-3 m_00000001 100 "$friday" '"rating":5')")" \
    400 invalid-argument rating
check "another currency than the program's: 400 naming currency" \
    problem "$(request POST /v1/events "$(event bad-4 m_00000001 100 "$friday" '"currency":"USD"')")" \
    400 invalid-argument currency
check "refused events wrote no entry" test "$(sql 'SELECT COUNT(*) FROM entries')" = "$entries_before"
check "refused events took no key" \
    test "$(sql "SELECT COUNT(*) FROM idempotency WHERE key LIKE 'bad-%'")" = 0

# A capped rule: 10 points per coffee, at most 25 a day, over several events...
coffee='"items":[{"category":"coffee","amount":100}]'
total=0
for i in 1 2 3 4; do
    answer="$(request POST /v1/events "$(event "cap-$i" m_00000002 100 "$monday" "$coffee")")"
    total=$((total + $(body "$answer" | jq .points)))
done
check "daily cap over four events: 10 + 10 + 5 + 0" test "$total" = 25
check "the fourth event earned nothing: 200 with no entry" \
    has "$answer" '^200 ' '"entry":null' '"points":0,'
check "the cap's counter is at the cap" \
    test "$(sql "SELECT value FROM counters WHERE scope = 'member:2:rule:coffee:day'")" = 25
capped="$(body "$(request GET /v1/members/m_00000002/history)" | jq -r '.entries[0].explanations.en')"
check "the cut is explained" test "$capped" = \
    "+5 points: purchase of 1 RUB, on 1 matching item (1 RUB), rule 'Coffee', limited by the daily cap (would be 10)"

# ... and under 50 concurrent requests for one member and one day.
seq 1 50 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' -X POST "${auth[@]}" \
    -H 'Content-Type: application/json' \
    --data-binary "$(event "burst-{}" m_00000003 100 "$monday" "$coffee")" \
    "$base/v1/events" >"$work/burst"
check "50 concurrent events all answered 200 or 201" \
    test "$(grep -cE '^20[01]$' "$work/burst")" = 50
check "50 concurrent events: the balance is exactly the cap" test "$(points m_00000003)" = 25
check "50 concurrent events: the counter is exactly the cap" \
    test "$(sql "SELECT value FROM counters WHERE scope = 'member:3:rule:coffee:day'")" = 25
check "50 concurrent events: 50 purchases recorded" \
    test "$(sql 'SELECT purchases_count FROM member_facts WHERE member_id = 3')" = 50

# A campaign budget of 120: 50 + 50 + 20, then nothing, never below zero, also concurrently.
seq 1 6 | xargs -P 6 -I{} curl -s -o /dev/null -X POST "${auth[@]}" \
    -H 'Content-Type: application/json' \
    --data-binary "$(event "bf-{}" m_00000004 100000 "$black_friday")" "$base/v1/events"
check "the budget gave exactly what it had: 6 × 10 base + 120" \
    test "$(points m_00000004)" = 180
check "the budget account is at zero" \
    test "$(sql "SELECT SUM(balance) FROM balances WHERE account_id =
                 (SELECT id FROM system_accounts WHERE code = 'campaign:bf')")" = 0
check "a budget cut is explained" \
    has "$(body "$(request GET /v1/members/m_00000004/history?limit=50)" | jq -r '.entries[].explanations.en')" \
    "limited by the campaign budget"

# A refund of 300 of a 1,000 purchase reverses 30% of what it earned.
request POST /v1/events "$(event refund-p m_00000005 100000 "$friday")" >/dev/null
refund='{"id":"refund-1","member":"m_00000005","type":"refund","amount":30000,"original":"refund-p"}'
refunded="$(request POST /v1/events "$refund")"
check "refund: 201, -3 points" has "$refunded" '^201 ' '"points":-3,' '"kind":"reversal"'
check "refund: explained" has "$refunded" \
    "Refund of 300 RUB of 1,000 RUB \\(30%\\) for purchase 'refund-p': what it earned is reversed in proportion"
check "refund: 7 points left" test "$(points m_00000005)" = 7
check "refund of an unknown purchase: 404 naming original" \
    problem "$(request POST /v1/events '{"id":"refund-2","member":"m_00000005","type":"refund","amount":1,"original":"nope"}')" \
    404 unknown-entry original
check "refund of another member's purchase: 404 naming original" \
    problem "$(request POST /v1/events '{"id":"refund-3","member":"m_00000006","type":"refund","amount":1,"original":"refund-p"}')" \
    404 unknown-entry original
check "refunds beyond the purchase: 422" \
    problem "$(request POST /v1/events '{"id":"refund-4","member":"m_00000005","type":"refund","amount":80000,"original":"refund-p"}')" \
    422 reversal-exceeds-original amount

# History explains every entry in the member's language, and in both.
history="$(body "$(request GET /v1/members/m_00000001/history)")"
check "history in Russian by default" \
    test "$(jq -r '.entries[1].explanation' <<<"$history")" = \
    "$(printf '+15 баллов: покупка на 1\u202f500\u00a0₽, правило «База»')"
check "history names the version" test "$(jq '.entries[1].program_version' <<<"$history")" = 2
check "history in both languages" \
    test "$(jq -r '.entries[0].explanations.en' <<<"$history")" = \
    "+30 points: purchase of 1,500 RUB on Saturday, rule 'Weekend' ×2"
request PATCH /v1/members/m_00000001 '{"language":"en"}' >/dev/null
check "history in English after PATCH language" \
    test "$(body "$(request GET /v1/members/m_00000001/history)" | jq -r '.entries[1].explanation')" = \
    "+15 points: purchase of 1,500 RUB, rule 'Base'"
request POST /v1/members/m_00000001/adjustments '{"asset":"points","delta":5,"reason":"e2e"}' adj-1 >/dev/null
check "an adjustment gets a plain sentence" \
    test "$(body "$(request GET /v1/members/m_00000001/history)" | jq -r '.entries[0].explanation')" = \
    "Staff adjustment"

# Simulate equals real: the same run of events for member 7, simulated, then earned.
run="[$(event sim-1 m_00000007 150000 "$saturday" "$coffee"),
      $(event sim-2 m_00000007 20000 "$saturday" "$coffee"),
      $(event sim-3 m_00000007 50000 "$saturday" "$coffee"),
      $(event sim-4 m_00000007 100000 "$black_friday")]"
simulated="$(request POST /v1/program/simulate "{\"events\":$run}")"
check "simulate: 200 against version 2" has "$simulated" '^200 ' '"version":2'
check "simulate lists the rules that did not fire, with reasons" \
    test "$(body "$simulated" | jq -r '.results[0].skipped[] | select(.rule == "base") | .reason')" = superseded
check "simulate wrote nothing" \
    test "$(sql "SELECT COUNT(*) FROM member_facts WHERE member_id = 7")" = 0
same=0
for i in 0 1 2 3; do
    real="$(body "$(request POST /v1/events "$(jq -c ".[$i]" <<<"$run")")")"
    sim="$(body "$simulated" | jq ".results[$i]")"
    if [ "$(jq .points <<<"$real")" = "$(jq '.credit.points // 0' <<<"$sim")" ] &&
        [ "$(jq -c .explanation <<<"$real")" = "$(jq -c .explanation <<<"$sim")" ]; then
        same=$((same + 1))
    else
        echo "    simulated: $(jq -c '{credit, explanation}' <<<"$sim")"
        echo "    real:      $(jq -c '{points, explanation}' <<<"$real")"
    fi
done
check "simulate equals real: points and explanations of all four events" test "$same" = 4
check "simulate with given facts: 200, the weekend rule earns 30" \
    has "$(request POST /v1/program/simulate \
        "{\"event\":$(event f-1 x 150000 "$saturday"),\"facts\":{\"purchases_count\":3}}")" \
    '^200 ' '"amount":30'
refund_run="[$(event sim-p m_00000008 100000 "$friday"),
             {\"id\":\"sim-r\",\"type\":\"refund\",\"amount\":25000,\"original\":\"sim-p\"}]"
check "simulate a purchase and its refund: the reversal of a quarter" \
    test "$(body "$(request POST /v1/program/simulate "{\"events\":$refund_run,\"member\":\"m_00000008\"}")" |
        jq -c '.results[1].reversal | [.part, .whole]')" = "[25000,100000]"
check "simulate: event and events together: 400 naming events" \
    problem "$(request POST /v1/program/simulate "{\"event\":{},\"events\":[]}")" 400 invalid-argument events
check "simulate: member and facts together: 400 naming facts" \
    problem "$(request POST /v1/program/simulate \
        "{\"event\":$(event f-3 x 1 "$friday"),\"member\":\"m_00000001\",\"facts\":{}}")" \
    400 invalid-argument facts
check "simulate: a fact of the wrong kind: 400 naming it" \
    problem "$(request POST /v1/program/simulate \
        "{\"event\":$(event f-4 x 1 "$friday"),\"facts\":{\"time_zone\":\"Mars/Base\"}}")" \
    400 invalid-argument facts.time_zone
check "simulate: a bad event names its place in the list" \
    problem "$(request POST /v1/program/simulate "{\"events\":[$(event f-5 x 1 "$friday"),{\"id\":\"f-6\",\"type\":\"sale\"}],\"facts\":{}}")" \
    400 invalid-argument 'events\[1\].type'
check "simulate the draft before any is saved: 400 naming version" \
    problem "$(request POST /v1/program/simulate "{\"event\":$(event f-7 x 1 "$friday"),\"version\":\"draft\"}")" \
    400 invalid-argument version
check "simulate of an unknown version: 400 naming version" \
    problem "$(request POST /v1/program/simulate "{\"event\":$(event f-2 x 1 "$friday"),\"version\":9}")" \
    400 invalid-argument version

stop_candord
echo "candord_earn_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
