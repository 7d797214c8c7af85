#!/usr/bin/env bash
# Runs sgd-noise's GPU check (gpu/check.ts) from the folder `npm run gpu:pack` wrote, on a machine with no Node.js
# and no network: `bash run.sh` (any directory, any user; nothing is installed and nothing outside a scratch
# directory is written). It
#   1. unpacks the Node binary (node.xz) and Dawn's binding (dawn.node.xz) into a scratch directory,
#   2. unpacks the Vulkan loader from the shipped libvulkan1 .deb there (dpkg -x, or Python where dpkg is missing)
#      and puts it first on LD_LIBRARY_PATH,
#   3. points the loader at NVIDIA's Vulkan driver: VK_DRIVER_FILES as given, else the first manifest that exists of
#      the usual places (stages/tf/webgpu.ts NVIDIA_ICD_CANDIDATES),
#   4. runs the check, which writes one JSON: $OUT/result.json when $OUT is set, else ./result.json.
# It says what it found at each step. Environment: OUT, PYTHON (default: python3 on PATH), BUDGET_S (the check's
# time budget, default 450), VK_DRIVER_FILES, SGD_NOISE_GPU_WORK (scratch directory; default a fresh one under
# $TMPDIR or /tmp, removed at the end unless KEEP_WORK=1).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { printf 'run.sh: %s\n' "$*" >&2; }
NOTES=()
note() { say "$*"; NOTES+=("$*"); }

if [ -n "${OUT:-}" ]; then mkdir -p "$OUT"; RESULT="$OUT/result.json"; else RESULT="$PWD/result.json"; fi
WORK="${SGD_NOISE_GPU_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sgd-noise-gpu.XXXXXX")}"
mkdir -p "$WORK"
if [ "${KEEP_WORK:-0}" != 1 ] && [ -z "${SGD_NOISE_GPU_WORK:-}" ]; then trap 'rm -rf "$WORK"' EXIT; fi
PYTHON="${PYTHON:-$(command -v python3 || true)}"

# xz -d, or Python's lzma where xz is missing.
unxz_to() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"
  elif [ -n "$PYTHON" ]; then "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  else say "neither xz nor python3 to unpack $1"; return 1; fi
}

# 1. Node and the app.
cp -r "$HERE/app" "$WORK/app"
unxz_to "$HERE/node.xz" "$WORK/node" || exit 1
chmod +x "$WORK/node"
NODE_VERSION="$("$WORK/node" --version 2>&1)" || { say "the unpacked Node does not run: $NODE_VERSION"; exit 1; }
note "node $NODE_VERSION unpacked into $WORK"
DAWN_DIR="$WORK/app/node_modules/webgpu/dist/linux-x64"
mkdir -p "$DAWN_DIR"
unxz_to "$HERE/dawn.node.xz" "$DAWN_DIR/dawn.node" || exit 1

# 2. The Vulkan loader from the shipped .deb (never into /).
DEB="$(ls "$HERE"/deb/libvulkan1_*.deb 2>/dev/null | head -n 1)"
VK_ROOT="$WORK/vulkan"
mkdir -p "$VK_ROOT"
if [ -z "$DEB" ]; then
  note "no libvulkan1 .deb in $HERE/deb: using the system's Vulkan loader, if any"
elif command -v dpkg >/dev/null 2>&1; then
  dpkg -x "$DEB" "$VK_ROOT" && note "Vulkan loader: $(basename "$DEB") unpacked with dpkg -x into $VK_ROOT"
else
  "$PYTHON" - "$DEB" "$VK_ROOT" <<'PY' && note "Vulkan loader: $(basename "$DEB") unpacked with Python (no dpkg) into $VK_ROOT"
import io, sys, tarfile
deb, dest = sys.argv[1], sys.argv[2]
data = open(deb, "rb").read()
assert data[:8] == b"!<arch>\n", "not a .deb (ar archive)"
pos = 8
while pos < len(data):
    name, size = data[pos:pos + 16].decode().strip().rstrip("/"), int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(dest)
        break
    pos += 60 + size + (size & 1)
else:
    raise SystemExit("no data.tar in the .deb")
PY
fi
LOADER="$(find "$VK_ROOT" -name 'libvulkan.so.1*' 2>/dev/null | head -n 1)"
if [ -n "$LOADER" ]; then
  export LD_LIBRARY_PATH="$(dirname "$LOADER")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  note "LD_LIBRARY_PATH starts with $(dirname "$LOADER") ($(basename "$(readlink -f "$LOADER")"))"
else
  note "the shipped Vulkan loader could not be unpacked; the system's is used if it has one"
fi

# 3. NVIDIA's Vulkan driver manifest.
if [ -n "${VK_DRIVER_FILES:-}" ] || [ -n "${VK_ICD_FILENAMES:-}" ]; then
  note "Vulkan driver manifest as given: VK_DRIVER_FILES=${VK_DRIVER_FILES:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}"
else
  FOUND=""
  for f in @NVIDIA_ICD_CANDIDATES@; do
    if [ -f "$f" ]; then FOUND="$f"; break; fi
    say "no NVIDIA Vulkan manifest at $f"
  done
  if [ -n "$FOUND" ]; then
    export VK_DRIVER_FILES="$FOUND"
    note "NVIDIA Vulkan manifest found: VK_DRIVER_FILES=$FOUND ($(tr -d '\n ' < "$FOUND" | head -c 200))"
  else
    OTHERS="$(find /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d -name '*.json' 2>/dev/null | tr '\n' ' ')"
    note "no NVIDIA Vulkan manifest in the usual places; the loader searches its defaults (manifests there: ${OTHERS:-none})"
  fi
fi
if command -v nvidia-smi >/dev/null 2>&1; then note "nvidia-smi: $(nvidia-smi -L 2>&1 | head -n 2 | tr '\n' ' ')"; fi
if command -v ldconfig >/dev/null 2>&1; then note "NVIDIA Vulkan driver library libGLX_nvidia.so.0: $(ldconfig -p 2>/dev/null | grep -c 'libGLX_nvidia.so.0') entries in ldconfig's cache"; fi

# 4. The check.
if [ -n "$PYTHON" ]; then note "python: $PYTHON ($("$PYTHON" --version 2>&1))"; else note "no python3 on PATH: the torch side is skipped"; PYTHON=python3; fi
export SGD_NOISE_RUN_NOTES="$(printf '%s\n' "${NOTES[@]}")"
LIMIT=$(( ${BUDGET_S:-450} + 60 ))
TIMEOUT=""
if command -v timeout >/dev/null 2>&1; then TIMEOUT="timeout -k 10 $LIMIT"; fi
say "running the check (budget ${BUDGET_S:-450} s, killed after $LIMIT s) -> $RESULT"
$TIMEOUT "$WORK/node" "$WORK/app/dist/gpu/check.mjs" --out "$RESULT" --python "$PYTHON" --torch-dir "$WORK/app/torch" \
  --wasm-dir "$WORK/app/wasm/" --budget-s "${BUDGET_S:-450}" ${CHECK_ARGS:-}
rc=$?
if [ -f "$RESULT" ]; then say "result: $RESULT ($(wc -c < "$RESULT") bytes), check exit code $rc"; else say "no result written (check exit code $rc)"; fi
exit $rc
