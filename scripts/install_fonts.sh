#!/usr/bin/env bash
# Fonts for captions in Chinese, Japanese and Korean: Debian's fonts-noto-cjk (roomtour.tour.cards
# falls back to it where DejaVu Sans has no glyph). Best effort: without root or apt-get, such
# captions lose the characters no font has, with a warning, and the CJK test skips.
set -uo pipefail
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install_fonts: not root or no apt-get; CJK captions need fonts-noto-cjk"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1 \
  || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1) \
  || echo "install_fonts: apt-get could not install fonts-noto-cjk"
exit 0
