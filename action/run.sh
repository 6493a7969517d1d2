#!/usr/bin/env bash
# The GitHub Action's check step, runnable (and tested) outside GitHub: reads
# the action's inputs from INPUT_* variables; writes the SARIF report; prints
# `::error`-style annotations; appends a Markdown summary to
# $GITHUB_STEP_SUMMARY; records the exit code and the report in $GITHUB_OUTPUT.
# It exits 0 when airworthy ran, whatever it found, so that the SARIF upload
# still happens; the action's last step fails the job on findings.
set -uo pipefail

read -r -a paths <<< "$(printf '%s' "${INPUT_PATHS:-.}" | tr '\n' ' ')"
[ ${#paths[@]} -gt 0 ] || paths=(.)
args=(check "${paths[@]}"
  --min-severity "${INPUT_MIN_SEVERITY:-note}"
  --fail-on "${INPUT_FAIL_ON:-warning}")
[ -z "${INPUT_CONFIG:-}" ] || args+=(--config "$INPUT_CONFIG")
[ -z "${INPUT_BASELINE:-}" ] || args+=(--baseline "$INPUT_BASELINE")
sarif=${INPUT_SARIF_FILE:-airworthy.sarif}
output=${GITHUB_OUTPUT:-/dev/null}

airworthy "${args[@]}" --format sarif --output "$sarif" --sarif-category "${INPUT_CATEGORY:-airworthy}"
status=$?
if [ "$status" -gt 1 ]; then
  # A usage or configuration error: airworthy said what on standard error.
  echo "exit-code=$status" >> "$output"
  exit "$status"
fi

if [ "${INPUT_ANNOTATE:-true}" = true ]; then
  airworthy "${args[@]}" --format github || true
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  link=()
  if [ -n "${GITHUB_REPOSITORY:-}" ] && [ -n "${GITHUB_SHA:-}" ]; then
    link=(--link-base "${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/blob/$GITHUB_SHA")
  fi
  airworthy "${args[@]}" --format markdown "${link[@]}" >> "$GITHUB_STEP_SUMMARY" || true
fi

echo "exit-code=$status" >> "$output"
echo "sarif-file=$sarif" >> "$output"
