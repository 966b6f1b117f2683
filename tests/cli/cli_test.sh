#!/usr/bin/env bash
# End-to-end tests of the candor CLI: the demo runs and checks clean, gen is deterministic,
# check catches tampering and refuses foreign files, and bad command lines exit 2 with one line.
# Usage: cli_test.sh PATH_TO_CANDOR
set -uo pipefail
candor="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# expect NAME EXIT_CODE PATTERN -- COMMAND...: runs COMMAND, checks its exit code and that
# stdout+stderr match the extended regex PATTERN.
expect() {
    local name="$1" code="$2" pattern="$3"
    shift 4
    local output status
    output="$("$@" 2>&1)"
    status=$?
    if [ "$status" -ne "$code" ] || ! grep -qE "$pattern" <<<"$output"; then
        echo "FAIL $name: exit $status (wanted $code), output:"
        echo "$output" | tail -15 | sed 's/^/    /'
        failed=$((failed + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

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

expect "demo runs and checks clean" 0 "every invariant holds" -- \
    "$candor" demo --db "$work/demo/candor.db"
expect "check passes on the demo" 0 "^ok: [0-9]+ entries" -- \
    "$candor" check --db "$work/demo/candor.db"
expect "check accepts the sqlite: prefix" 0 "^ok:" -- \
    "$candor" check --db "sqlite:$work/demo/candor.db"

# The demo's program is the cafe template, published as version 1; its purchases earn by its
# rules (the demo's day starts in happy hours) and say why.
demo_out="$("$candor" demo --db "$work/demo2/candor.db" 2>&1)"
expect "demo publishes the cafe template" 0 "^published as version 1\. 1 point per 10 RUB" -- \
    printf '%s\n' "$demo_out"
expect "demo purchases earn by the template's rules" 0 \
    "\+30 points: .*rule 'Happy hours: coffee ×2'" -- printf '%s\n' "$demo_out"
check "the demo's program is version 1 by candor demo" test \
    "$(sqlite3 "$work/demo2/candor.db" "SELECT version || '|' || published_by FROM program_versions")" = \
    "1|candor demo"
expect "init keeps the demo's program" 0 "The program stays version 1, published by candor demo" -- \
    "$candor" init --db "$work/demo2/candor.db"

# candor init --template: each template becomes version 1 with its campaign budgets opened; an
# unknown one is one line, exit 2, and nothing is created; a database with a program refuses one.
for template in retail cafe gaming; do
    expect "init --template $template" 0 \
        "^The program is the $template template \(.*\), published as version 1" -- \
        "$candor" init --db "$work/init-$template.db" --template "$template"
    published="$(sqlite3 "$work/init-$template.db" \
        "SELECT version || '|' || published_by FROM program_versions")"
    budgets="$(sqlite3 "$work/init-$template.db" \
        "SELECT group_concat(code) FROM system_accounts WHERE code LIKE 'campaign:%'")"
    case "$template" in
        retail) wanted="campaign:black-friday-2026" ;;
        gaming) wanted="campaign:weekend-slots-2026" ;;
        *) wanted="" ;;
    esac
    check "the $template template is version 1 by candor init" test "$published" = "1|candor init"
    check "  ...with its budgets opened" test "$budgets" = "$wanted"
done
expect "init without --template publishes retail" 0 "^The program is the retail template" -- \
    "$candor" init --db "$work/init-default.db"
expect "init --template of an unknown name: exit 2, one line" 2 \
    "^candor: --template bakery: no such template; the templates are cafe, default, gaming, retail$" -- \
    "$candor" init --db "$work/init-bakery.db" --template bakery
check "an unknown template creates no database" test ! -e "$work/init-bakery.db"
check "  ...and no key file" test ! -e "$work/init-bakery.db.keys"
"$candor" demo --db "$work/demo3/candor.db" >/dev/null 2>&1
expect "init --template on a database with a program: exit 1" 1 \
    "^candor: the database already has a program \(version 1, published by candor demo\)" -- \
    "$candor" init --db "$work/demo3/candor.db" --template retail
check "a refused --template writes no key file" test ! -e "$work/demo3/candor.db.keys"
check "  ...and publishes nothing" \
    test "$(sqlite3 "$work/demo3/candor.db" "SELECT COUNT(*) FROM program_versions")" = 1

expect "gen writes data" 0 "generated 300 members and 3000 events" -- \
    "$candor" gen --db "$work/a.db" --members 300 --events 3000 --seed 9 --quiet
expect "gen again, same seed" 0 "generated 300 members" -- \
    "$candor" gen --db "$work/b.db" --members 300 --events 3000 --seed 9 --quiet
expect "gen with another seed" 0 "generated 300 members" -- \
    "$candor" gen --db "$work/c.db" --members 300 --events 3000 --seed 10 --quiet
dump() { sqlite3 "$1" "SELECT id, hex(leaf_hash) FROM entries ORDER BY id" | sha256sum; }
if [ "$(dump "$work/a.db")" = "$(dump "$work/b.db")" ] &&
    [ "$(dump "$work/a.db")" != "$(dump "$work/c.db")" ]; then
    echo "ok   gen is deterministic per seed"
    passed=$((passed + 1))
else
    echo "FAIL gen is deterministic per seed"
    failed=$((failed + 1))
fi
expect "check passes on generated data" 0 "^ok:" -- "$candor" check --db "$work/a.db"

cp "$work/a.db" "$work/t1.db"
sqlite3 "$work/t1.db" "UPDATE postings SET amount = amount + 1 WHERE entry_id = 7"
expect "check names a tampered posting" 1 "entry 7 leg [0-9]+: postings table differs" -- \
    "$candor" check --db "$work/t1.db"
cp "$work/a.db" "$work/t2.db"
sqlite3 "$work/t2.db" "DELETE FROM entries WHERE id = 20"
expect "check names a deleted entry" 1 "expected 20, found 21" -- \
    "$candor" check --db "$work/t2.db"
cp "$work/a.db" "$work/t3.db"
sqlite3 "$work/t3.db" "UPDATE balances SET balance = balance + 5 WHERE account_id = 16"
expect "check names a changed balance" 1 "account 16: balance" -- \
    "$candor" check --db "$work/t3.db"

head -c 65536 /dev/urandom >"$work/random.bin"
expect "check refuses a non-SQLite file" 1 "^candor: file is not a Candor database" -- \
    "$candor" check --db "$work/random.bin"
sqlite3 "$work/other.db" "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"
expect "check refuses another application's database" 1 "belongs to another application" -- \
    "$candor" check --db "$work/other.db"
expect "gen refuses another application's database" 1 "belongs to another application" -- \
    "$candor" gen --db "$work/other.db" --members 1 --events 1 --quiet
if [ "$(sqlite3 "$work/other.db" "SELECT COUNT(*) FROM sqlite_schema")" = "1" ]; then
    echo "ok   the foreign database was left unchanged"
    passed=$((passed + 1))
else
    echo "FAIL the foreign database was changed"
    failed=$((failed + 1))
fi
expect "check of a missing file" 1 "^candor: cannot open database" -- \
    "$candor" check --db "$work/missing.db"

expect "missing --db is a usage error" 2 "^candor: .*--db is required" -- "$candor" check
expect "unknown subcommand is a usage error" 2 "^candor: " -- "$candor" frobnicate
expect "bad --start is a usage error" 2 "^candor: --start 2025-02-30 is not a date" -- \
    "$candor" gen --db "$work/d.db" --start 2025-02-30
expect "negative --members is a usage error" 2 "^candor: .*members" -- \
    "$candor" gen --db "$work/d.db" --members -5

# The transparency log (#6): the demo sequences its journal under a fresh key and proves one
# of Anna's entries; verify rebuilds the log from the entries and names the first difference.
demo_log="$("$candor" demo --db "$work/log/candor.db" 2>&1)"
key="$(sed -n 's/^public key //p' <<<"$demo_log")"
expect "demo signs a head and proves an inclusion" 0 "is leaf 0 of the signed tree: proven" -- \
    printf '%s\n' "$demo_log"
expect "verify passes on the demo" 0 "^ok: 11 entries, 11 integrated into the log" -- \
    "$candor" verify --db "$work/log/candor.db" --key "$key"
tamper() {
    cp "$work/log/candor.db" "$work/$1.db"
    sqlite3 "$work/$1.db" "$2"
}
tamper v1 "UPDATE entries SET body = substr(body, 1, 20) ||
    (CASE WHEN substr(body, 21, 1) = X'00' THEN X'01' ELSE X'00' END) || substr(body, 22)
    WHERE id = 3"
expect "verify names an entry whose bytes changed" 1 "^candor: entry 3: " -- \
    "$candor" verify --db "$work/v1.db"
tamper v2 "DELETE FROM entries WHERE id = 5"
expect "verify names a deleted entry" 1 "^candor: entry 5 is missing" -- \
    "$candor" verify --db "$work/v2.db"
tamper v7 "UPDATE entries SET id = -id WHERE id IN (3, 4);
    UPDATE entries SET id = CASE id WHEN -3 THEN 4 ELSE 3 END WHERE id IN (-3, -4)"
expect "verify names entries swapped in the file" 1 \
    "^candor: entry 3: its bytes are those of entry 4 \(entries reordered" -- \
    "$candor" verify --db "$work/v7.db"
# Levels 0 and 1 of the tree are the entries' leaf hashes and hashes of them: an edited leaf hash
# is named against the entry's bytes, and a level-0 or level-1 row in tree_nodes should not be
# there.
tamper v8 "UPDATE entries SET leaf_hash = zeroblob(32) WHERE id = 6"
expect "verify names an entry whose stored leaf hash changed" 1 \
    "^candor: entry 6: the stored leaf hash differs" -- "$candor" verify --db "$work/v8.db"
tamper v9 "INSERT INTO tree_nodes (level, idx, hash) VALUES (1, 0, zeroblob(32))"
expect "verify names a stored level-1 node" 1 "tree node at level 1 index 0 should not exist" -- \
    "$candor" verify --db "$work/v9.db"
tamper v3 "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 0"
expect "verify names a changed tree node" 1 "tree node at level 2 index 0 differs" -- \
    "$candor" verify --db "$work/v3.db"
tamper v4 "DELETE FROM tree_nodes WHERE level = 2 AND idx = 1"
expect "verify names a deleted tree node" 1 "tree node at level 2 index 1 is missing" -- \
    "$candor" verify --db "$work/v4.db"
tamper v5 "UPDATE tree_heads SET root = zeroblob(32) WHERE size = 11"
expect "verify names a head whose root changed" 1 "tree head of size 11: its root differs" -- \
    "$candor" verify --db "$work/v5.db"
tamper v6 "UPDATE tree_heads SET signature = zeroblob(64) WHERE size = 11"
expect "verify without --key does not check signatures" 0 "signatures not checked" -- \
    "$candor" verify --db "$work/v6.db"
expect "verify names a head whose signature changed" 1 \
    "tree head of size 11: the signature does not verify" -- \
    "$candor" verify --db "$work/v6.db" --key "$key"
expect "verify names a head signed by an unknown key" 1 "which no --key names" -- \
    "$candor" verify --db "$work/log/candor.db" --key "$(printf '%064d' 7)"
expect "verify refuses a malformed key" 2 "^candor: --key abc is not 64 hex digits" -- \
    "$candor" verify --db "$work/log/candor.db" --key abc

expect "verify --receipt needs --key" 2 "^candor: verify --receipt needs --key" -- \
    "$candor" verify --receipt "$work/none.json"
expect "verify --receipt of a missing file" 2 "^candor: cannot read .*none.json" -- \
    "$candor" verify --receipt "$work/none.json" --key "$key"
printf '{"index": 0' >"$work/broken.json"
expect "verify --receipt of malformed JSON" 1 "^candor: .*broken.json is not a JSON object" -- \
    "$candor" verify --receipt "$work/broken.json" --key "$key"
expect "verify needs --db without --receipt" 2 "^candor: verify: --db is required" -- \
    "$candor" verify --key "$key"

# A read-only open cannot migrate: a database of an older schema gets a clear error.
cp "$work/log/candor.db" "$work/old.db"
sqlite3 "$work/old.db" "PRAGMA user_version = 2"
expect "check on an older schema says to migrate" 1 "^candor: database schema 2 is older" -- \
    "$candor" check --db "$work/old.db"
expect "verify on an older schema says to migrate" 1 "open it read-write once" -- \
    "$candor" verify --db "$work/old.db"

cp "$work/a.db" "$work/seq.db"
expect "sequence needs the key file" 1 "^candor: .*seq.db.keys.*candor init" -- \
    "$candor" sequence --db "$work/seq.db"
key_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
printf 'index_key = "%s"\nsigning_key = "%s"\nvault_key = "%s"\n' \
    "$(key_hex)" "$(key_hex)" "$(key_hex)" >"$work/seq.db.keys"
chmod 644 "$work/seq.db.keys"
expect "sequence refuses a key file others may read" 1 "chmod 600" -- \
    "$candor" sequence --db "$work/seq.db"
chmod 600 "$work/seq.db.keys"
expect "sequence signs heads with the key file's signing_key" 0 "^public key [0-9a-f]{64}" -- \
    "$candor" sequence --db "$work/seq.db" --batch 7
seq_key="$("$candor" sequence --db "$work/seq.db" --keys-file "$work/seq.db.keys" |
    sed -n 's/^public key \([0-9a-f]*\).*/\1/p')"
expect "verify checks every head of a sequenced database" 0 "every signature valid" -- \
    "$candor" verify --db "$work/seq.db" --key "$seq_key"

# Key rotation: new entries are signed with the new key; heads of both keys verify with both
# public keys, and not with the old one alone.
expect "keys rotate-signing replaces the signing key" 0 "^Rotated the signing key" -- \
    "$candor" keys rotate-signing --db "$work/seq.db"
"$candor" gen --db "$work/seq.db" --members 3 --events 10 --seed 4 --quiet >/dev/null
new_key="$("$candor" sequence --db "$work/seq.db" | sed -n 's/^public key \([0-9a-f]*\).*/\1/p')"
if [ -n "$new_key" ] && [ "$new_key" != "$seq_key" ] && [ "$(stat -c %a "$work/seq.db.keys")" = "600" ]; then
    echo "ok   the rotated key signs, and the key file stays mode 0600"
    passed=$((passed + 1))
else
    echo "FAIL the rotated key: '$new_key' (old '$seq_key')"
    failed=$((failed + 1))
fi
expect "verify accepts heads of the old and the new key" 0 "every signature valid" -- \
    "$candor" verify --db "$work/seq.db" --key "$seq_key" --key "$new_key"
expect "verify refuses the new heads with the old key alone" 1 "signed by key [0-9a-f]+, which no --key names" -- \
    "$candor" verify --db "$work/seq.db" --key "$seq_key"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
