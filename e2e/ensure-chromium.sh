#!/bin/sh
# Browser tests use Debian's chromium at /usr/bin/chromium and never download a browser.
# Installs it with apt-get when missing.
set -e
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
echo "e2e: $CHROMIUM is missing; installing Debian's chromium with apt-get…"
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else
  echo "e2e: cannot install chromium: not root and no password-less sudo." >&2
  echo "e2e: run 'sudo apt-get install -y chromium' (Debian/Ubuntu) and try again." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "e2e: no apt-get here. Install Chromium so that it is at $CHROMIUM, then run again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "e2e: apt-get finished but $CHROMIUM is still missing." >&2; exit 1; }
echo "e2e: $($CHROMIUM --version)"
