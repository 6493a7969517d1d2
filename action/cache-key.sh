#!/usr/bin/env bash
# Prints the GitHub Action's cache key: the version and a hash of everything
# the binary is built from, so that a new commit of the action rebuilds it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sources=$(find Cargo.toml Cargo.lock build.rs src rules checklists -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
echo "key=airworthy-${RUNNER_OS:-local}-${RUNNER_ARCH:-any}-${version}-${sources}"
