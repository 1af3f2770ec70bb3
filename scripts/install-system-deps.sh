#!/usr/bin/env bash
# System packages rein needs, installed only where missing (Debian/Ubuntu, as root or with sudo):
#   libopenblas-dev   the BLAS the native kernels link against
#   libopenblas0-openmp  its OpenMP build, which the kernels prefer (one thread pool shared with their own loops)
#   postgresql        the feedback app's server-grade database (tests start a real one)
#   chromium          the real browser that the web pages' tests drive
set -euo pipefail
need=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || need+=(libopenblas0-openmp)
dpkg -s postgresql >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "rein: installing system packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
