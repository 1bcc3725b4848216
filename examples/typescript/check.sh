#!/usr/bin/env bash
# Checks that the committed typed operations still match the server's schema:
#   1. installs the pinned tools (npm ci),
#   2. regenerates src/gql/ from ../../schema.graphql and src/**/*.ts,
#   3. fails if that changed anything git has (or added files git does not have),
#   4. type-checks everything with tsc (strict).
# Run from anywhere: bash examples/typescript/check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

trap 'echo "check.sh: FAILED at line $LINENO (see above)"' ERR

if [ ! -s ../../schema.graphql ]; then
    echo "../../schema.graphql is missing or empty: regenerate it with \`userplan schema > schema.graphql\`" >&2
    false
fi

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== codegen"
npm run --silent codegen

echo "== src/gql against git"
if ! git diff --exit-code --stat -- src/gql; then
    echo "src/gql differs from git: the schema or the operations changed; run 'npm run codegen' and commit src/gql" >&2
    git --no-pager diff -- src/gql | head -n 60 >&2
    false
fi
untracked="$(git ls-files --others --exclude-standard -- src/gql)"
if [ -n "$untracked" ]; then
    echo "src/gql has files git does not track (commit or delete them):" >&2
    echo "$untracked" >&2
    false
fi

echo "== tsc --noEmit"
npm run --silent typecheck

echo "check.sh: OK (src/gql matches the schema and git; tsc --noEmit is clean)"
