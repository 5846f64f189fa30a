#!/usr/bin/env bash
# Hotline one-command set-up for a fresh Debian 12 / Raspberry Pi OS (bookworm) machine.
#
#   bash bootstrap.sh demo   # set up, then run the demonstration
#   bash bootstrap.sh test   # set up, then run the whole test suite (what CI runs)
#
# Set-up is idempotent: missing apt packages are installed (with sudo when not
# root), a virtual environment is made in .venv, and the package (with its Cython
# kernels) is built into it again only when its sources changed.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  python3 python3-venv python3-dev gcc   # build the Cython kernels
  espeak-ng sox                          # prompts, the talk-off speech corpus
  libspandsp2 multimon-ng                # peers that bench/dsp.py measures against
  libportaudio2                          # headset audio (sounddevice)
  portaudio19-dev                        # builds pyaudio, the other headset backend
)

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

install_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing apt packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

setup_venv() {
  local py=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv with $($py --version)"
    "$py" -m venv .venv
  fi
  # Rebuild only when something that goes into the build changed.
  local stamp
  stamp=$(cat setup.py pyproject.toml dsp_ext/*.pyx dsp_ext/*.pxd 2>/dev/null | sha256sum | cut -c1-16)
  if [ "$(cat .venv/.hotline-build 2>/dev/null)" != "$stamp" ] || ! .venv/bin/python -c 'import dsp_ext.dtmf' 2>/dev/null; then
    log "building hotline (Cython kernels) into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev,pyaudio]'
    echo "$stamp" > .venv/.hotline-build
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    install_apt; setup_venv
    exec .venv/bin/hotline demo "$@"
    ;;
  test)
    install_apt; setup_venv
    .venv/bin/ruff check .
    exec .venv/bin/python -m pytest "$@"
    ;;
  setup)
    install_apt; setup_venv
    ;;
  *)
    echo "usage: bash bootstrap.sh demo|test|setup [args...]" >&2
    exit 2
    ;;
esac
