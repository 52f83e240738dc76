#!/usr/bin/env bash
# Re-create static/vendor/ from the exact versions pinned in package.json
# (and package-lock.json when present). The vendored files are committed,
# so nothing needs npm at build or run time; run this only to upgrade.
#
#   scripts/vendor_static.sh          # install from package.json / lock, copy files
#
# To upgrade: edit the versions in package.json, delete package-lock.json,
# run this script, update static/vendor/README.md and commit the result.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$repo_root/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cp "$repo_root/package.json" "$tmp/"
if [[ -f "$repo_root/package-lock.json" ]]; then
  cp "$repo_root/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund)
else
  (cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund --save-exact)
  cp "$tmp/package-lock.json" "$repo_root/package-lock.json"
fi

nm="$tmp/node_modules"

# source-in-node_modules  destination-under-static/vendor
files=(
  "bootstrap/dist/css/bootstrap.min.css        bootstrap/css/bootstrap.min.css"
  "bootstrap/dist/js/bootstrap.bundle.min.js   bootstrap/js/bootstrap.bundle.min.js"
  "htmx.org/dist/htmx.min.js                   htmx/htmx.min.js"
  "chart.js/dist/chart.umd.min.js              chartjs/chart.umd.min.js"
  "axe-core/axe.min.js                         axe-core/axe.min.js"
)

for entry in "${files[@]}"; do
  read -r src dest <<<"$entry"
  if [[ ! -f "$nm/$src" ]]; then
    echo "vendor_static: $src not found in the installed package" >&2
    exit 1
  fi
  mkdir -p "$vendor/$(dirname "$dest")"
  # Drop sourceMappingURL comments: the .map files are not vendored and
  # Django's ManifestStaticFilesStorage (whitenoise) fails on missing
  # referenced files during collectstatic.
  sed -E '/^[[:space:]]*(\/\/|\/\*)# sourceMappingURL=.*$/d' "$nm/$src" >"$vendor/$dest"
  if grep -q 'sourceMappingURL=' "$vendor/$dest"; then
    echo "vendor_static: sourceMappingURL still present in $dest" >&2
    exit 1
  fi
  echo "vendored $dest"
done

# Licence texts, shipped alongside the files they cover.
cp "$nm/bootstrap/LICENSE"  "$vendor/bootstrap/LICENSE"
cp "$nm/htmx.org/LICENSE"   "$vendor/htmx/LICENSE"
cp "$nm/chart.js/LICENSE.md" "$vendor/chartjs/LICENSE.md"
cp "$nm/axe-core/LICENSE"   "$vendor/axe-core/LICENSE"

for pkg in bootstrap htmx.org chart.js axe-core; do
  node -e 'const p=require(process.argv[1]);console.log(`${p.name}@${p.version} (${p.license})`)' \
    "$nm/$pkg/package.json"
done
