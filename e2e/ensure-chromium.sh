#!/bin/sh
# Browser tests use Debian's chromium at /usr/bin/chromium and never download a browser.
# Installs it with apt-get when missing.
exec sh "$(dirname "$0")/../.ci/ensure-apt.sh" e2e /usr/bin/chromium chromium
