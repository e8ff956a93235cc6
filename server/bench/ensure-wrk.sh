#!/bin/sh
# The server's benchmark drives its load with wrk (Debian's package), a load generator in C.
# Installs it with apt-get when missing.
exec sh "$(dirname "$0")/../../.ci/ensure-apt.sh" bench wrk wrk
