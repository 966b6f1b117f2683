#!/usr/bin/env bash
# End-to-end test of candord's access routes over HTTP: an admin creates a staff member, whose
# first login is an enrolment session; TOTP is enrolled with a code from oathtool and recovery
# codes come back; a login with the next code reads a member with Cache-Control: no-store; a key
# over its rate answers 429 with Retry-After; a key of another store is refused (an event, and a
# capture of a hold placed by a key of s2); a member gets a login, logs in with a cookie, changes
# its own settings (not another member's; its time zone defaults to --time-zone's), changes the
# password and the old cookie is refused; the audit log lists the actions; keys and staff
# page by next_cursor; and no token, secret, password or email reaches the log.
# Usage: candord_access_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"
start_candord 1 --time-zone Asia/Vladivostok
member=m_00000001

# field TEXT NAME: the string value of "NAME":"..." in TEXT.
field() { grep -o "\"$2\":\"[^\"]*\"" <<<"$1" | head -1 | cut -d'"' -f4; }

# Staff and TOTP.
email="ops.e2e@example.com"
password="e2e staff password"
created="$(request POST /v1/staff "{\"email\":\"$email\",\"display_name\":\"Ops\",\"password\":\"$password\",\"role\":\"support\"}")"
check "staff created: 201" grep -q '^201 ' <<<"$created"
staff_id="$(field "$created" id)"
login="{\"kind\":\"staff\",\"login\":\"$email\",\"password\":\"$password\"}"
first="$(request POST /v1/auth/login "$login")"
check "first login: an enrolment session" grep -q '"is_enrolment_only":true' <<<"$first"
enrolment="$(field "$first" token)"
check "the enrolment session cannot read members" \
    grep -q '^403 ' <<<"$(as "$enrolment" GET "/v1/members/$member")"
begun="$(as "$enrolment" POST /v1/auth/totp/enroll '{}')"
check "TOTP enrolment: a secret and an otpauth URI" \
    grep -q '"otpauth_uri":"otpauth://totp/' <<<"$begun"
secret="$(field "$begun" secret)"
confirmed="$(as "$enrolment" POST /v1/auth/totp/confirm "{\"code\":\"$(oathtool --totp -b "$secret")\"}")"
check "TOTP confirmed with oathtool's code: 200" grep -q '^200 ' <<<"$confirmed"
check "ten recovery codes" test "$(grep -o '[a-z2-7]\{4\}-[a-z2-7]\{4\}-[a-z2-7]\{4\}-[a-z2-7]\{4\}' <<<"$confirmed" | wc -l)" -eq 10
check "the enrolment session ended" \
    grep -q '^401 ' <<<"$(as "$enrolment" POST /v1/auth/totp/enroll '{}')"
check "a login without a code: 401 totp-required" \
    grep -q 'totp-required' <<<"$(request POST /v1/auth/login "$login")"
# The confirming code's step is spent: the next step's code (within the ±1 step window).
next_code="$(oathtool --totp -b --now "$(date -u -d '+30 seconds' '+%Y-%m-%d %H:%M:%S UTC')" "$secret")"
full="$(request POST /v1/auth/login "${login%\}},\"code\":\"$next_code\"}")"
check "login with the next code: a full session" grep -q '"is_enrolment_only":false' <<<"$full"
staff_token="$(field "$full" token)"
headers="$(curl -s -D - -o /dev/null -H "Authorization: Bearer $staff_token" "$base/v1/members/$member")"
check "support reads a member: 200" grep -q '^HTTP/1.1 200' <<<"$headers"
check "personal data is not cached" grep -qi '^cache-control: no-store' <<<"$headers"
listed="$(request GET /v1/staff)"
check "staff list: enrolled, and no email" \
    bash -c "grep -q '\"is_totp_enrolled\":true' <<<'$listed' && ! grep -q '$email' <<<'$listed'"

# Keys: rate limits and store bindings.
limited="$(request POST /v1/keys '{"name":"slow","scopes":["members:read"],"rate_per_minute":2}')"
limited_token="$(field "$limited" token)"
as "$limited_token" GET "/v1/members/$member" >/dev/null
as "$limited_token" GET "/v1/members/$member" >/dev/null
over="$(curl -s -D - -o /dev/null -H "Authorization: Bearer $limited_token" "$base/v1/members/$member")"
check "a key over its rate: 429" grep -q '^HTTP/1.1 429' <<<"$over"
check "with Retry-After in seconds" grep -qiE '^retry-after: (29|30)' <<<"$over"
bound="$(request POST /v1/keys '{"name":"till s2","scopes":["events:write"],"store":"s2"}')"
bound_token="$(field "$bound" token)"
refused="$(as "$bound_token" POST /v1/events "{\"id\":\"e-s1\",\"member\":\"$member\",\"type\":\"purchase\",\"amount\":500,\"store\":\"s1\"}")"
check "a key of another store: 403 naming store" \
    bash -c "grep -q '^403 ' <<<'$refused' && grep -q '\"field\":\"store\"' <<<'$refused'"
own="$(as "$bound_token" POST /v1/events "{\"id\":\"e-s2\",\"member\":\"$member\",\"type\":\"purchase\",\"amount\":500}")"
check "the same key naming no store: 201" grep -q '^201 ' <<<"$own"
till="$(field "$(request POST /v1/keys '{"name":"till s2","scopes":["redemptions:write"],"store":"s2"}')" token)"
other="$(field "$(request POST /v1/keys '{"name":"till s3","scopes":["redemptions:write"],"store":"s3"}')" token)"
held="$(as "$till" POST /v1/holds "{\"member\":\"$member\",\"asset\":\"points\",\"amount\":2,\"timeout_seconds\":60}" hold-s2)"
check "a hold placed by a key of s2: 201" grep -q '^201 ' <<<"$held"
hold_id="$(grep -o '"id":[0-9]*' <<<"$held" | head -1 | cut -d: -f2)"
capture_refused="$(as "$other" POST "/v1/holds/$hold_id/capture" '{}' capture-s3)"
check "a key of another store captures it: 403 naming store" \
    bash -c "grep -q '^403 ' <<<'$capture_refused' && grep -q '\"field\":\"store\"' <<<'$capture_refused'"
check "the key of its store captures it: 200" \
    grep -q '^200 ' <<<"$(as "$till" POST "/v1/holds/$hold_id/capture" '{}' capture-s2)"

# Member credentials and a password change.
enrol="$(request POST "/v1/members/$member/credentials" '{"login":"member.e2e@example.com","password":"first member pw"}')"
check "member credentials: 201" grep -q '^201 ' <<<"$enrol"
member_login='{"kind":"member","login":"member.e2e@example.com","password":"first member pw"}'
curl -s -c "$work/cookies" -o /dev/null -H 'Content-Type: application/json' \
    --data-binary "$member_login" "$base/v1/auth/login"
cookie_read() { curl -s -b "$work/cookies" -o /dev/null -w '%{http_code}' "$base/v1/members/$member/balance"; }
check "the member reads its balance with the cookie" test "$(cookie_read)" = 200
member_token="$(field "$(request POST /v1/auth/login "$member_login")" token)"
check "the deployment's time zone from --time-zone" \
    grep -q '"time_zone":"Asia/Vladivostok"' <<<"$(as "$member_token" GET "/v1/members/$member")"
own_patch="$(as "$member_token" PATCH "/v1/members/$member" '{"language":"en"}')"
check "a member changes its own language: 200" \
    bash -c "grep -q '^200 ' <<<'$own_patch' && grep -q '\"language\":\"en\"' <<<'$own_patch'"
request POST /v1/members '{"id":"m_other"}' enrol-other >/dev/null
check "nor another member's: 404" \
    grep -q '^404 ' <<<"$(as "$member_token" PATCH /v1/members/m_other '{"language":"en"}')"
changed="$(as "$member_token" POST /v1/auth/password '{"current_password":"first member pw","new_password":"second member pw"}')"
check "password changed: 204" grep -q '^204 ' <<<"$changed"
check "the cookie's session ended with it" test "$(cookie_read)" = 401

# The audit log, and what the log never holds.
audit="$(request GET /v1/audit)"
check "audit: staff.create, key.create" \
    bash -c "grep -q '\"action\":\"staff.create\"' <<<'$audit' && grep -q '\"action\":\"key.create\"' <<<'$audit'"
check "audit: the staff member is the target" grep -q "\"target\":\"$staff_id\"" <<<"$audit"
# Keys and staff page by next_cursor: every row once, in the order one large page has them.
# pages PATH FIELD LIMIT: the ids of every page of PATH's FIELD list, one per line, then
# "pages=N" for the number of pages it took.
pages() {
    local cursor="" count=0 answer ids=""
    while :; do
        answer="$(request GET "$1?limit=$3${cursor:+&cursor=$cursor}")"
        grep -q '^200 ' <<<"$answer" || { echo "status $(head -1 <<<"$answer")"; return; }
        ids+="$(tail -n +2 <<<"$answer" | jq -r ".$2[].id")"$'\n'
        count=$((count + 1))
        cursor="$(tail -n +2 <<<"$answer" | jq -r '.next_cursor // empty')"
        [ -n "$cursor" ] || break
    done
    printf '%s' "$ids"
    echo "pages=$count"
}
all_keys="$(request GET '/v1/keys?limit=500' | tail -n +2 | jq -r '.keys[].id')"
check "keys: five in one page" test "$(wc -l <<<"$all_keys")" -eq 5
check "keys by twos: the same keys in three pages" \
    test "$(pages /v1/keys keys 2)" = "$all_keys"$'\n'"pages=3"
all_staff="$(request GET '/v1/staff' | tail -n +2 | jq -r '.staff[].id')"
check "staff: two accounts" test "$(wc -l <<<"$all_staff")" -eq 2
check "staff one by one: the same accounts in two pages" \
    test "$(pages /v1/staff staff 1)" = "$all_staff"$'\n'"pages=2"
check "a cursor no page made: 400 naming cursor" \
    grep -q '"field":"cursor"' <<<"$(request GET '/v1/keys?cursor=nope')"
check "limit 0: 400 naming limit" grep -q '"field":"limit"' <<<"$(request GET '/v1/staff?limit=0')"

stop_candord
for secret_text in "$email" "$password" "$secret" "$enrolment" "$staff_token" "$member_token" \
    "${limited_token:16}" "first member pw" "member.e2e@example.com"; do
    check "the log never holds ${secret_text:0:6}..." \
        bash -c "test -s '$work/log' && ! grep -qF -- '$secret_text' '$work/log'"
done
# Nor the database (TOTP secrets excepted: stored in the clear until the vault, TODO(#7)).
for secret_text in "$email" "$password" "$enrolment" "$staff_token" "$member_token" \
    "${limited_token:16}" "first member pw" "member.e2e@example.com"; do
    check "the database never holds ${secret_text:0:6}..." \
        bash -c "! cat '$work/candor.db'* | grep -qaF -- '$secret_text'"
done

echo "candord_access_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
