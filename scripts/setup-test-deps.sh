#!/usr/bin/env bash
# Installs what `cargo test --release --workspace` needs beyond the Rust
# toolchain. The test suite reads committed fixtures only, so today this just
# checks the toolchain; it is the one place to add system packages.
set -euo pipefail
command -v cargo >/dev/null || { echo "setup-test-deps: cargo not found" >&2; exit 1; }
echo "setup-test-deps: $(cargo --version)"
