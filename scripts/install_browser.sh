#!/usr/bin/env bash
# A real headless browser for tests/test_studio_server.py: Debian's chromium and chromium-driver
# (no browser download: the packages come from Debian's archive). Where apt-get cannot install
# them, the browser test skips and says why; nothing else depends on them.
set -uo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install_browser: not root or no apt-get; the studio's browser test will be skipped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
  || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1) \
  || echo "install_browser: apt-get could not install chromium; the studio's browser test will be skipped"
exit 0
