#!/usr/bin/env bash
# Installs what `cargo test --release --workspace` needs beyond the Rust
# toolchain: Debian's `chromium` for tests/report.rs (the HTML report is
# rendered in headless Chromium) and a running one-node Slurm for
# tests/slurm.rs. Every other test
# reads committed fixtures, the sample corpus, or (when it sits beside the
# checkout) ../shared/corpora. This is the one place to add system packages.
set -euo pipefail
command -v cargo >/dev/null || { echo "setup-test-deps: cargo not found" >&2; exit 1; }
echo "setup-test-deps: $(cargo --version)"
# Headless Chromium for tests/report.rs (Debian's `chromium` package, installed
# when missing; needs root and apt-get). Without it that test skips with a notice.
if command -v chromium >/dev/null; then
    echo "setup-test-deps: $(chromium --version 2>/dev/null || echo chromium)"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "setup-test-deps: installing chromium"
    export DEBIAN_FRONTEND=noninteractive
    install_chromium() {
        apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
    }
    # One retry for a flaky mirror; then say loudly that the browser test
    # will skip rather than fail the whole run on a network hiccup.
    if install_chromium || { sleep 10; install_chromium; }; then
        echo "setup-test-deps: $(chromium --version 2>/dev/null || echo 'chromium installed')"
    else
        echo "setup-test-deps: WARNING: could not install chromium; tests/report.rs will skip its browser checks" >&2
    fi
else
    echo "setup-test-deps: chromium missing and not root or no apt-get; tests/report.rs will skip"
fi
# A one-node Slurm for tests/slurm.rs (installs slurm and munge from Debian's
# packages when missing; needs root). Without it that test skips with a notice.
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    bash "$(dirname "$0")/slurm/local-cluster.sh" start ||
        echo "setup-test-deps: WARNING: the local Slurm did not start; tests/slurm.rs will skip" >&2
else
    echo "setup-test-deps: not root or no apt-get; tests/slurm.rs will skip"
fi
