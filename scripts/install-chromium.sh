#!/usr/bin/env bash
# Install Debian's Chromium for the web UI tests and benchmark (idempotent).
# Playwright drives it via executable_path=/usr/bin/chromium; never `playwright install`.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
