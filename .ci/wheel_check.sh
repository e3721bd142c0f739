#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment outside the checkout, and use it from
# an empty directory the way a user would: the bundled data, scenarios and schema must come along.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# built from a copy of the tracked files, so the checkout gets no build/ or *.egg-info of it
mkdir "$WORK/src"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard | (cd "$ROOT" && xargs -0 cp --parents -P -t "$WORK/src")
"$ROOT/.venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$WORK/src"
# the sdist carries the tests with their fixtures and the raw inputs the data is built from
"$ROOT/.venv/bin/python" -m build --sdist --outdir "$WORK/sdist" "$WORK/src" >/dev/null 2>&1 || { echo "wheel check FAILED: sdist" >&2; exit 1; }
listing="$(tar tzf "$WORK"/sdist/tariffsim-*.tar.gz)"
for wanted in tests/fixtures/baci_sample.csv tests/golden seeds/raw/multicountry/PROVENANCE.txt notebooks docs/sources.md; do
    grep -q "/$wanted" <<<"$listing" || { echo "wheel check FAILED: the sdist lacks $wanted" >&2; exit 1; }
done
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet "$WORK"/dist/tariffsim-*.whl
mkdir "$WORK/empty" && cd "$WORK/empty"
T="$WORK/venv/bin/tariffsim"
fail() { echo "wheel check FAILED: $*" >&2; exit 1; }
"$T" --version | grep -q "tariffsim" || fail "--version"
"$WORK/venv/bin/python" -m simulator --version | grep -q "tariffsim" || fail "python -m simulator"
"$T" list | grep -q "^exempt_chips " || fail "list does not show exempt_chips"
"$T" list | grep -q "does not validate" && fail "a bundled scenario does not validate"
"$T" run exempt_chips | grep -q "Effective rate" || fail "run exempt_chips"
"$T" run paths/us_on_china_escalation --format json >/dev/null || fail "run a bundled path"
"$T" flows | grep -q "USA from 198 partners: 211,965 lines" || fail "flows on the bundled table (every partner)"
"$T" flows | grep -q "  CHN China: 14,422 lines" || fail "flows on the bundled table (China)"
"$T" run paths/us_ieepa_all_partners_2025 --by partner | grep -q "^CAN Canada " || fail "run an all-partner path by partner"
"$T" list --groups | grep -q "^USMCA .*CAN MEX" || fail "list --groups"
"$T" new mine >/dev/null 2>&1 || fail "new"
schema="$(sed -n 's/^# yaml-language-server: \$schema=//p' mine.yaml)"
[ -f "$schema" ] || fail "new wrote \$schema=$schema, which does not resolve from $PWD"
"$T" validate mine.yaml >/dev/null || fail "the starter does not validate"
"$T" report exempt_chips exempt_131 -o report.html 2>/dev/null && grep -q "US Census Bureau" report.html || fail "report"
said="$("$T" explore --no-browser 2>&1 || true)"  # exits 1, by design: pipefail would hide the match
grep -q "pip install 'tariffsim\[explore\]'" <<<"$said" || fail "explore without the extra must say how to get it: $said"
# with the extra: the page answers from an empty directory, the bundled scenarios come along
"$WORK/venv/bin/pip" install --quiet "$(ls "$WORK"/dist/tariffsim-*.whl)[explore]"
"$T" explore exempt_chips --no-browser --port 0 > explore.log 2>&1 &
EXPLORE=$!
for _ in $(seq 100); do grep -q "http://" explore.log && break; sleep 0.2; done
URL="$(grep -o 'http://[^ ]*' explore.log || true)"
"$WORK/venv/bin/python" -c "import sys, urllib.request; sys.exit(0 if b'tariffsim explorer' in urllib.request.urlopen(sys.argv[1]).read() else 1)" "$URL" \
    || { kill "$EXPLORE"; cat explore.log >&2; fail "explore does not serve its page"; }
kill "$EXPLORE"
echo "wheel check passed: installed from $(ls "$WORK"/dist), used from an empty directory"
