#!/usr/bin/env bash
# Installs the VS Code host for tests and the demo: code-server from the npm registry, made to work
# offline (its postinstall fetches ripgrep from GitHub, so scripts are skipped and the native modules
# are rebuilt here against Debian's libraries). Needs the apt packages of scripts/setup/apt.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=4.100.3
dir="$root/.tools/code-server"
stamp="$dir/.installed-$version"
[ -f "$stamp" ] && exit 0
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
echo '{"name":"code-server-host","private":true}' > package.json
npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$version"
vscode="$dir/node_modules/code-server/lib/vscode"
(cd "$vscode" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"
(cd "$vscode" && npm_config_yes=true npm rebuild --loglevel=error node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid kerberos)
ln -sfn node_modules "$vscode/node_modules.asar"
(cd "$vscode/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
npm_config_yes=true npm rebuild --loglevel=error argon2
touch "$stamp"
