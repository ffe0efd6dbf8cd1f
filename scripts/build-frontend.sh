#!/usr/bin/env bash
# Build-time only: install the pinned npm packages in frontend/, compile
# static/css/portal.scss (GOV.UK Frontend + our font) and vendor the JS and
# assets into static/vendor/. Node is not needed at run time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FE="$ROOT/frontend"
NM="$FE/node_modules"
GOVUK="$NM/govuk-frontend/dist/govuk"
SRC="$ROOT/static/css/portal.scss"
VENDOR="$ROOT/static/vendor"
CSS="$VENDOR/portal.css"

# 1. npm ci, only if node_modules is missing or older than the lockfile.
if [[ ! -f "$NM/.package-lock.json" || "$FE/package-lock.json" -nt "$NM/.package-lock.json" ]]; then
  (cd "$FE" && npm ci --no-audit --no-fund)
fi

# 2. Compile the CSS if the source or the installed packages changed.
if [[ ! -f "$CSS" || "$SRC" -nt "$CSS" || "$NM/.package-lock.json" -nt "$CSS" ]]; then
  mkdir -p "$VENDOR"
  "$NM/.bin/sass" --no-source-map --style=compressed --load-path="$NM" "$SRC" "$CSS.tmp"
  mv "$CSS.tmp" "$CSS"
fi

# 3. Vendor JS and assets (no fonts: we do not use GDS Transport).
mkdir -p "$VENDOR/govuk" "$VENDOR/axe"
cp -p "$GOVUK/govuk-frontend.min.js" "$VENDOR/govuk/govuk-frontend.min.js"
rm -rf "$VENDOR/govuk/assets"
mkdir -p "$VENDOR/govuk/assets"
for item in "$GOVUK/assets/"*; do
  [[ "$(basename "$item")" == fonts ]] && continue
  cp -Rp "$item" "$VENDOR/govuk/assets/"
done
cp -p "$NM/axe-core/axe.min.js" "$VENDOR/axe/axe.min.js"

echo "build-frontend: govuk-frontend $(node -p "require('$NM/govuk-frontend/package.json').version") -> ${CSS#"$ROOT"/}, govuk JS+assets, axe-core JS in ${VENDOR#"$ROOT"/}/"
