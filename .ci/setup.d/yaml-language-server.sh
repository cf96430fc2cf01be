# The YAML language server editors run (from npm), for tests/test_editor_completion.py: it
# checks what an analyst's editor offers in each kind of step. Sourced by .ci/run.
YAML_LS_HOME="${XDG_CACHE_HOME:-$HOME/.cache}/callguide-yaml-language-server"
YAML_LS_VERSION=1.25.0
if [ ! -x "$YAML_LS_HOME/node_modules/yaml-language-server/bin/yaml-language-server" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q nodejs npm >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q nodejs npm >/dev/null; }
  fi
  npm install --prefix "$YAML_LS_HOME" --no-save --no-audit --no-fund --silent "yaml-language-server@$YAML_LS_VERSION"
fi
export CALLGUIDE_YAML_LANGUAGE_SERVER="$YAML_LS_HOME/node_modules/yaml-language-server/bin/yaml-language-server"
# On CI the completion test fails instead of being skipped when the server is missing.
export CALLGUIDE_REQUIRE_YAML_LANGUAGE_SERVER=1
