#!/usr/bin/env bash
# Run by `npm test` before anything else (package.json "pretest"): the system tools the suite needs besides Node.
#   - shellcheck:   the template's user data (test/template/user-data.test.ts)
#   - python3-yaml: PyYAML, the strict YAML 1.1 reader of cfn-lint and the AWS CLI (test/template/support/strict-yaml.ts)
#   - chromium:     the web console's browser test (test/browser/console.test.ts; CHROMIUM_PATH for another build)
# Each is checked the way its test finds it. What is missing is installed with apt-get when this runs as root on a
# machine that has it (CI, a fresh container); otherwise the script stops `npm test` before any test runs, printing one
# line with the one command to run, so a missing tool never shows up as a failure deep in the suite.
set -euo pipefail

has_shellcheck() { shellcheck --version >/dev/null 2>&1; }
# strict-yaml.ts tries the python3 on PATH, then Debian's own (a pyenv or venv python3 may lack PyYAML).
has_pyyaml() { python3 -c 'import yaml' >/dev/null 2>&1 || /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1; }
has_chromium() { [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; }

missing=()
check() {
  missing=()
  has_shellcheck || missing+=(shellcheck)
  has_pyyaml || missing+=(python3-yaml)
  has_chromium || missing+=(chromium)
}

check
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ -n "${CHROMIUM_PATH:-}" ] && ! has_chromium; then
  # Installing Debian's chromium would not help: the browser test uses CHROMIUM_PATH.
  echo "CHROMIUM_PATH=${CHROMIUM_PATH} is not an executable; unset it to use Debian's chromium or point it at a Chromium binary" >&2
  exit 1
fi

if [ "$EUID" -eq 0 ] && apt-get --version >/dev/null 2>&1; then
  echo "npm test: installing ${missing[*]} with apt-get" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } || true
  check
  [ "${#missing[@]}" -eq 0 ] && exit 0
fi

sudo=""
[ "$EUID" -eq 0 ] || sudo="sudo "
echo "npm test needs ${missing[*]}; install with: ${sudo}apt-get install -y ${missing[*]}" >&2
exit 1
