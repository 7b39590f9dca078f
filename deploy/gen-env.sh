#!/usr/bin/env bash
# Writes the secrets docker-compose.yml requires into an untracked .env file (next to
# docker-compose.yml by default, or the file given as $1), generating each with the system's random
# source. Values already in the file are kept, so running it again never changes a deployed secret.
#
#   deploy/gen-env.sh            # creates or completes ./.env
#   docker compose up --build
#
# The secrets are printed nowhere: read them from the file when you need them (see deploy/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.env}

random_secret() {
  # 48 characters from [A-Za-z0-9]: about 285 bits.
  LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 48 || true
}

touch "$out"
chmod 600 "$out"
added=()
for name in JWT_SECRET INTERNAL_API_KEY; do
  if ! grep -q "^${name}=." "$out"; then
    printf '%s=%s\n' "$name" "$(random_secret)" >>"$out"
    added+=("$name")
  fi
done
if [ ${#added[@]} -gt 0 ]; then
  echo "wrote ${added[*]} to $out (mode 600; keep it out of version control)"
else
  echo "$out already holds JWT_SECRET and INTERNAL_API_KEY; nothing changed"
fi
