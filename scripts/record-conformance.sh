#!/usr/bin/env bash
# Re-records spec/conformance/kernel-programs.json on this machine's kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
FDWARDEN_RECORD=1 FDWARDEN_KERNEL_RELEASE="$(uname -sr)" npx vitest run test/kernel/record-conformance.test.ts
