# Sourced by the scripts that build the addon: makes sure cmake is on PATH. libsql-ffi builds
# SQLite3MultipleCiphers (libSQL's cipher, behind `encryptionKey`) with cmake.
if ! command -v cmake >/dev/null 2>&1; then
  if [ -x .tools/cmake/cmake/data/bin/cmake ]; then
    export PATH="$PWD/.tools/cmake/cmake/data/bin:$PATH"
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's cmake (builds libSQL's cipher)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake) >/dev/null
  else
    echo "Installing cmake from PyPI into .tools/cmake (builds libSQL's cipher)..."
    python3 -m pip install --quiet --target .tools/cmake cmake
    export PATH="$PWD/.tools/cmake/cmake/data/bin:$PATH"
  fi
fi
