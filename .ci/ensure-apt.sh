#!/bin/sh
# Installs a Debian package with apt-get when the program it brings is missing: Debian's chromium
# for the browser tests, wrk for the server's benchmark.
# Usage: ensure-apt.sh <who> <program> <package>; <program> is a path (/usr/bin/chromium) or a
# command looked up on the PATH (wrk). <who> leads each message.
set -e
WHO=$1
PROGRAM=$2
PACKAGE=$3
present() {
  case $PROGRAM in
    /*) [ -x "$PROGRAM" ] ;;
    *) command -v "$PROGRAM" >/dev/null 2>&1 ;;
  esac
}
present && exit 0
echo "$WHO: $PROGRAM is missing; installing Debian's $PACKAGE with apt-get…"
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else
  echo "$WHO: cannot install $PACKAGE: not root and no password-less sudo." >&2
  echo "$WHO: run 'sudo apt-get install -y $PACKAGE' (Debian/Ubuntu) and try again." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$WHO: no apt-get here. Install $PACKAGE so that $PROGRAM is there, then run again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "$PACKAGE" >/dev/null
present || { echo "$WHO: apt-get finished but $PROGRAM is still missing." >&2; exit 1; }
echo "$WHO: installed $PACKAGE"
