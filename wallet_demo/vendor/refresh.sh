#!/bin/sh
# The vendored QR code reader: zxing-wasm's reader build, taken from the npm registry.
#
#   sh wallet_demo/vendor/refresh.sh [VERSION]   fetch VERSION (default: the one below) and
#                                                 replace the vendored files with it
#   sh wallet_demo/vendor/refresh.sh --check      check the vendored files against SHA256SUMS
#
# A refresh checks the tarball against the registry's integrity value and the .wasm against
# the SHA-256 that the JavaScript glue was built for (the two only work as a pair), then
# rewrites SHA256SUMS. Update the version and digests in README.md from what it prints.
set -eu

VERSION=3.1.8
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = "--check" ]; then
    cd "$here" && exec sha256sum --check --strict SHA256SUMS
fi
version=${1:-$VERSION}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

npm pack --silent "zxing-wasm@$version" >/dev/null
tarball="zxing-wasm-$version.tgz"
want=$(npm view "zxing-wasm@$version" dist.integrity)
got="sha512-$(node -e 'const c=require("crypto"),f=require("fs");
process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
if [ "$want" != "$got" ]; then
    echo "refresh: $tarball is $got, the registry says $want" >&2
    exit 1
fi
tar -xzf "$tarball"

glue=package/dist/iife/reader/index.js
wasm=package/dist/reader/zxing_reader.wasm
built_for=$(sed -n 's/.*ZXING_WASM_SHA256=`\([0-9a-f]\{64\}\)`.*/\1/p' "$glue")
actual=$(sha256sum "$wasm" | cut -d' ' -f1)
if [ -z "$built_for" ] || [ "$built_for" != "$actual" ]; then
    echo "refresh: $wasm is $actual, its glue was built for '${built_for}'" >&2
    exit 1
fi

cp "$glue" "$here/zxing-wasm-reader.js"
cp "$wasm" "$here/zxing_reader.wasm"
cp package/LICENSE "$here/LICENSE.zxing-wasm"
cd "$here"
sha256sum zxing-wasm-reader.js zxing_reader.wasm LICENSE.zxing-wasm > SHA256SUMS

echo "zxing-wasm $version  (npm integrity $want)"
echo "zxing-cpp commit $(grep -o '`[0-9a-f]\{40\}`' zxing-wasm-reader.js | tr -d '`' | head -n 1)"
cat SHA256SUMS
