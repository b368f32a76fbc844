#!/usr/bin/env bash
# Installs what `cargo test --release --workspace` needs beyond the Rust
# toolchain: a running one-node Slurm for tests/slurm.rs. Every other test
# reads committed fixtures, the sample corpus, or (when it sits beside the
# checkout) ../shared/corpora. This is the one place to add system packages.
set -euo pipefail
command -v cargo >/dev/null || { echo "setup-test-deps: cargo not found" >&2; exit 1; }
echo "setup-test-deps: $(cargo --version)"
# A one-node Slurm for tests/slurm.rs (installs slurm and munge from Debian's
# packages when missing; needs root). Without it that test skips with a notice.
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    bash "$(dirname "$0")/slurm/local-cluster.sh" start ||
        echo "setup-test-deps: WARNING: the local Slurm did not start; tests/slurm.rs will skip" >&2
else
    echo "setup-test-deps: not root or no apt-get; tests/slurm.rs will skip"
fi
