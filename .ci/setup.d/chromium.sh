# Debian's Chromium for the browser tests (Playwright drives it; its own browser download
# does not work on a closed network). Sourced by .ci/run.
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
export CALLGUIDE_CHROMIUM="${CALLGUIDE_CHROMIUM:-$(command -v chromium)}"
# On CI a browser test that cannot find Chromium fails instead of being skipped.
export CALLGUIDE_REQUIRE_BROWSER=1
