#!/usr/bin/env bash
# End-to-end test of HTTPS: with [tls] in its configuration file, candord serves /healthz over
# TLS to a client that trusts the (self-signed, made here) certificate, with TLS 1.2 too; a plain
# HTTP request gets no answer; a staff login sets a Secure cookie; a missing certificate file
# stops start-up with exit 1 naming it.
# Usage: candord_tls_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null || exit 1
printf '[tls]\ncert_file = "%s"\nkey_file = "%s"\n' "$work/cert.pem" "$work/key.pem" \
    >"$work/candord.toml"
# request() and every curl below trust the test certificate.
export CURL_CA_BUNDLE="$work/cert.pem"

start_candord 1 --config "$work/candord.toml"
check "the listening line says TLS" grep -q '"msg":"listening".*"tls":true' "$work/log"
plain="$base"
base="${base/http:/https:}"

check "healthz over HTTPS: 200" grep -q '^200 application/json' <<<"$(request GET /healthz)"
check "  ...with TLS 1.2 too" test "$(curl -s -o /dev/null -w '%{http_code}' --tls-max 1.2 \
    "$base/healthz")" = 200
check "an admin call over HTTPS with init's key: 200" grep -q '^200 ' <<<"$(request GET /v1/keys)"
curl -s -o /dev/null "$plain/healthz"
status=$?
check "plain HTTP to the TLS port gets no HTTP answer (curl exit $status)" test "$status" -ne 0

value() { sed -n "s/^$1=//p" "$work/init"; }
code="$(oathtool --totp -b "$(value CANDOR_ADMIN_TOTP_SECRET)")"
headers="$(curl -s -D - -o /dev/null -X POST "$base/v1/auth/login" \
    -d "{\"kind\":\"staff\",\"login\":\"$(value CANDOR_ADMIN_LOGIN)\",\"password\":\"$(value CANDOR_ADMIN_PASSWORD)\",\"code\":\"$code\"}")"
check "a login over TLS: 200" grep -q '^HTTP/1.1 200' <<<"$headers"
check "  ...sets a Secure cookie" grep -qi '^set-cookie: candor_session=.*; Secure' <<<"$headers"
stop_candord

"$candord" --listen 127.0.0.1:0 --db "sqlite:$work/candor.db" \
    --tls-cert-file "$work/missing.pem" --tls-key-file "$work/key.pem" 2>"$work/logmissing"
check "a missing certificate file: exit 1" test $? -eq 1
check "  ...naming it" grep -q "cannot load the TLS certificate $work/missing.pem" \
    "$work/logmissing"

echo "candord_tls_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
