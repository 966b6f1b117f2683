#!/usr/bin/env bash
# End-to-end test of the transparency log in candord (#6): candord, signing with the key file's
# signing_key, sequences new entries by itself; the public routes serve heads, keys, entries and proofs
# (unknown leaves and sizes beyond the tree are problems naming the parameter); a receipt
# fetched with the admin key verifies offline with `candor verify --receipt` and fails once a
# byte is flipped; two saved heads pass `candor verify --consistency`; history marks entries
# verifiable; `candor sequence` can race candord's sequencer on the same file; after SIGTERM the
# last pass has sequenced every entry.
# Usage: candord_transparency_test.sh PATH_TO_CANDORD PATH_TO_CANDOR
set -uo pipefail
candord="$1"
candor="$2"
work="$(mktemp -d)"
source "$(dirname "$0")/candord_lib.sh"

start_candord 2
public_key="$(grep -o '"msg":"sequencer started".*"public_key":"[0-9a-f]*"' "$work/log" |
    grep -o '[0-9a-f]\{64\}')"
check "candord logs the sequencer's public key" test -n "$public_key"

has() {
    local text="$1"
    shift
    for regex in "$@"; do
        grep -qE -- "$regex" <<<"$text" || return 1
    done
}
number() { grep -o "\"$2\":-\?[0-9]*" <<<"$1" | head -1 | cut -d: -f2; }
problem() {
    has "$1" "^$2 application/problem\+json" &&
        has "$1" "\"type\":\"https://candor.dev/problems/$3\"" &&
        { [ -z "$4" ] || has "$1" "\"field\":\"$4\""; }
}
# wait_for_size N: polls GET /v1/transparency/head until the signed size is at least N.
wait_for_size() {
    for _ in $(seq 1 100); do
        local size
        size="$(number "$(request GET /v1/transparency/head)" size)"
        [ -n "$size" ] && [ "$size" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

for i in 1 2 3; do
    earned="$(request POST /v1/events "{\"id\":\"t-$i\",\"member\":\"m_00000001\",\"type\":\"purchase\",\"amount\":${i}0000}")"
done
entry="$(grep -o '"entry":{[^}]*"id":[0-9]*' <<<"$earned" | grep -o '[0-9]*$')"
other="$(request POST /v1/events '{"id":"t-other","member":"m_00000002","type":"purchase","amount":5000}')"
other_entry="$(grep -o '"entry":{[^}]*"id":[0-9]*' <<<"$other" | grep -o '[0-9]*$')"
check "events were written" test -n "$entry" -a -n "$other_entry"
check "the sequencer signs a head over them within a few seconds" wait_for_size "$other_entry"

head_doc="$(request GET /v1/transparency/head)"
check "head: public, hex root and signature, RFC 3339 and microsecond time" \
    has "$head_doc" '^200 ' '"root_hash":"[0-9a-f]{64}"' '"signature":"[0-9a-f]{128}"' \
    '"timestamp":"[0-9T:.-]+Z"' '"timestamp_us":[0-9]+'
tail -n +2 <<<"$head_doc" >"$work/head1.json"
size="$(number "$head_doc" size)"
check "heads/{size} is that head" has "$(request GET "/v1/transparency/heads/$size")" '^200 ' \
    "$(grep -o '"root_hash":"[0-9a-f]*"' <<<"$head_doc")"
check "keys: the sequencer's public key" \
    has "$(request GET /v1/transparency/keys)" '^200 ' "\"public_key\":\"$public_key\""
check "heads/{size} beyond the tree: 404 unknown-tree-head naming size" \
    problem "$(request GET /v1/transparency/heads/99999)" 404 unknown-tree-head size
check "inclusion of a leaf beyond the tree: 404 unknown-entry naming index" \
    problem "$(request GET '/v1/transparency/proof/inclusion?index=99999')" 404 unknown-entry index
check "inclusion against a size without a head: 404 naming size" \
    problem "$(request GET '/v1/transparency/proof/inclusion?index=0&size=99999')" 404 unknown-tree-head size
check "inclusion of an unknown leaf hash: 404 naming leaf_hash" \
    problem "$(request GET "/v1/transparency/proof/inclusion?leaf_hash=$(printf '%064d' 0)")" 404 unknown-entry leaf_hash
check "inclusion by index: 200 with hashes and the head" \
    has "$(request GET "/v1/transparency/proof/inclusion?index=$((entry - 1))")" '^200 ' \
    "\"index\":$((entry - 1))" '"hashes":\[' '"head":\{'
check "entries: bytes and leaf hashes, no member ids" \
    has "$(request GET '/v1/transparency/entries?start=0&end=5')" '^200 ' '"bytes":"[0-9a-f]+"' \
    '"leaf_hash":"[0-9a-f]{64}"'
check "entries never show a public member id" \
    bash -c '! grep -q "m_0000000" <<<"$1"' _ "$(request GET '/v1/transparency/entries?end=1000')"

# A receipt, saved and checked offline.
receipt="$(request GET "/v1/members/m_00000001/receipts/$entry")"
check "receipt: 200 with bytes, proof, head and public key" \
    has "$receipt" '^200 ' '"bytes":"[0-9a-f]+"' '"hashes":\[' "\"public_key\":\"$public_key\""
tail -n +2 <<<"$receipt" >"$work/receipt.json"
check "candor verify --receipt: exit 0 offline" \
    "$candor" verify --receipt "$work/receipt.json" --key "$public_key"
# by_hand RECEIPT PUBLIC_KEY: the commands of docs/transparency.md, "Checking by hand with
# standard tools", run as written there (in a subshell, in a scratch directory).
by_hand() (
    cd "$(mktemp -d -p "$work")" || exit 1
    public_key="$2"
    cp "$1" receipt.json
    jq -r .bytes receipt.json | xxd -r -p > entry.bin
    h=$( (printf '\x00'; cat entry.bin) | sha256sum | cut -c1-64 )   # the leaf hash
    [ "$h" = "$(jq -r .leaf_hash receipt.json)" ] && echo "leaf hash ok"
    node() { printf '01%s%s' "$1" "$2" | xxd -r -p | sha256sum | cut -c1-64; }
    fn=$(jq .index receipt.json); sn=$(( $(jq .head.size receipt.json) - 1 ))
    for p in $(jq -r '.hashes[]' receipt.json); do
        if [ $((fn % 2)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
            h=$(node "$p" "$h")
            if [ $((fn % 2)) -eq 0 ]; then
                while [ $((fn % 2)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn / 2)); sn=$((sn / 2)); done
            fi
        else
            h=$(node "$h" "$p")
        fi
        fn=$((fn / 2)); sn=$((sn / 2))
    done
    [ "$sn" -eq 0 ] && [ "$h" = "$(jq -r .head.root_hash receipt.json)" ] && echo "inclusion ok"
    size=$(jq .head.size receipt.json); root=$(jq -r .head.root_hash receipt.json)
    timestamp_us=$(jq .head.timestamp_us receipt.json)
    { printf 'candor-tree-head-v1'; printf '%016x' "$size" | xxd -r -p; printf '%s' "$root" | xxd -r -p
      printf '%016x' "$timestamp_us" | xxd -r -p; } > head.bin
    printf '302a300506032b6570032100%s' "$public_key" | xxd -r -p > key.der   # SPKI wrapper
    jq -r .head.signature receipt.json | xxd -r -p > head.sig
    openssl pkeyutl -verify -pubin -keyform DER -inkey key.der -rawin -in head.bin -sigfile head.sig
)
by_hand "$work/receipt.json" "$public_key" >"$work/by_hand.out" 2>&1
check "by hand (docs/transparency.md): leaf hash, inclusion and signature" \
    has "$(cat "$work/by_hand.out")" '^leaf hash ok' '^inclusion ok' 'Signature Verified Successfully'

bytes="$(grep -o '"bytes":"[0-9a-f]*"' "$work/receipt.json" | cut -d'"' -f4)"
last="${bytes: -1}"
flipped="${bytes:0:${#bytes}-1}$([ "$last" = 0 ] && echo 1 || echo 0)"
sed "s/\"bytes\":\"$bytes\"/\"bytes\":\"$flipped\"/" "$work/receipt.json" >"$work/flipped.json"
check "a flipped byte changed the receipt" bash -c '! cmp -s "$1" "$2"' _ "$work/receipt.json" "$work/flipped.json"
"$candor" verify --receipt "$work/flipped.json" --key "$public_key" >"$work/flipped.out" 2>&1
check "candor verify --receipt with a flipped byte: exit 1" test $? -eq 1
check "  and one line saying why" test "$(wc -l <"$work/flipped.out")" -eq 1
"$candor" verify --receipt "$work/receipt.json" --key "$(printf '%064d' 7)" >/dev/null 2>&1
check "candor verify --receipt with another key: exit 1" test $? -eq 1
check "another member's entry under this member: 404" \
    problem "$(request GET "/v1/members/m_00000001/receipts/$other_entry")" 404 unknown-entry entry

# History marks the sequenced entries.
check "history: entries carry log_index and verifiable" \
    has "$(request GET /v1/members/m_00000001/history)" "\"log_index\":$((entry - 1))" '"verifiable":true'

# Consistency between two saved heads.
more="$(request POST /v1/events '{"id":"t-4","member":"m_00000001","type":"purchase","amount":7000}')"
more_entry="$(grep -o '"entry":{[^}]*"id":[0-9]*' <<<"$more" | grep -o '[0-9]*$')"
check "the sequencer signs the next entry too" wait_for_size "$more_entry"
tail -n +2 <<<"$(request GET /v1/transparency/head)" >"$work/head2.json"
check "candor verify --consistency old new: exit 0" \
    "$candor" verify --consistency "$work/head1.json" "$work/head2.json" --db "$work/candor.db" \
    --key "$public_key"
"$candor" verify --consistency "$work/head2.json" "$work/head1.json" --db "$work/candor.db" >/dev/null 2>&1
check "candor verify --consistency new old: exit 1" test $? -eq 1
sed 's/"root_hash":"\(.\)/"root_hash":"f\1/; s/"root_hash":"f\(.\{63\}\)./"root_hash":"f\1/' \
    "$work/head1.json" >"$work/forged.json"
"$candor" verify --consistency "$work/forged.json" "$work/head2.json" --db "$work/candor.db" >/dev/null 2>&1
check "candor verify --consistency from a forged head: exit 1" test $? -eq 1

# `candor sequence` racing candord's sequencer on the same file, with another key, one entry
# per batch, while events keep coming: the write lock serializes the batches, so the log stays
# exactly the journal's tree, every head signed by one of the two keys.
for i in $(seq 1 20); do
    request POST /v1/events "{\"id\":\"race-$i\",\"member\":\"m_00000002\",\"type\":\"purchase\",\"amount\":1000}" >/dev/null
done &
poster=$!
key_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
printf 'index_key = "%s"\nsigning_key = "%s"\nvault_key = "%s"\n' \
    "$(key_hex)" "$(key_hex)" "$(key_hex)" >"$work/other.keys"
chmod 600 "$work/other.keys"
"$candor" sequence --db "$work/candor.db" --keys-file "$work/other.keys" --batch 1 \
    >"$work/race.out" 2>&1
race_status=$?
wait "$poster"
check "candor sequence beside candord's sequencer: exit 0" test "$race_status" -eq 0
other_key="$(sed -n 's/^public key \([0-9a-f]*\).*/\1/p' "$work/race.out")"

# The last pass at SIGTERM: an entry written just before stopping is sequenced.
request POST /v1/events '{"id":"t-last","member":"m_00000001","type":"purchase","amount":100}' >/dev/null
stop_candord
check "after SIGTERM every entry is in a signed head, signed by either key" \
    has "$("$candor" verify --db "$work/candor.db" --key "$public_key" --key "$other_key")" \
    '^ok: ([0-9]+) entries, \1 integrated' 'every signature valid'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
