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

expect "demo runs and checks clean" 0 "every invariant holds" -- \
    "$candor" demo --db "$work/demo/candor.db"
expect "check passes on the demo" 0 "^ok: [0-9]+ entries" -- \
    "$candor" check --db "$work/demo/candor.db"
expect "check accepts the sqlite: prefix" 0 "^ok:" -- \
    "$candor" check --db "sqlite:$work/demo/candor.db"

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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
