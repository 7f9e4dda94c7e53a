# OpenCrane in-pod MCP policy (POSIX sh; tested under dash and bash).
#
# Sourced by the tenant entrypoint. Needs only sh, sed and tr (no jq): the contract is JSON made
# by the control plane, and the lists it reads hold server names ([a-z0-9-]), which need no
# unescaping.
#
#   . /opt/opencrane/mcp-policy.sh
#   _load_mcp_policy /var/run/opencrane/contract.json
#   if _mcp_server_is_enabled github; then ...; fi
#
# The decision, per DESIGN §4 tiers 2-6 (tier 1, "not published", is decided upstream: the
# control plane never lists an unpublished server and Obot never routes one):
#   2. OPENCRANE_TENANT_MCP_DENY matches NAME      -> deny  (the tenant CRD's own deny always wins)
#   3. OPENCRANE_TENANT_MCP_ALLOW matches NAME     -> allow, unless the contract's
#      policy.mcpServers.reserved lists NAME (another tenant's personal server: the tenant's own
#      allow list can never enable it, so the decision falls through to tiers 4-6)
#   4. the contract's policy.mcpServers.deny lists NAME  -> deny
#   5. the contract's policy.mcpServers.allow lists NAME -> allow
#   6. otherwise                                   -> deny
# The override variables are comma-separated server names or globs ('*' and '?').

_MCP_CONTRACT_ALLOW=""
_MCP_CONTRACT_DENY=""
_MCP_CONTRACT_RESERVED=""
_MCP_OVERRIDE_ALLOW=""
_MCP_OVERRIDE_DENY=""
_MCP_POLICY_LOADED=""

# _mcp_contract_list JSON KEY: the names in policy.mcpServers.KEY of a whitespace-free contract.
_mcp_contract_list() {
  printf '%s' "$1" \
    | sed -n 's/.*"mcpServers":{\([^}]*\)}.*/\1/p' \
    | sed -n "s/.*\"$2\":\[\([^]]*\)\].*/\1/p" \
    | tr -d '"' \
    | tr ',' ' '
}

# _load_mcp_policy [CONTRACT_FILE]: reads the contract (default $OPENCRANE_CONTRACT_FILE, then
# /var/run/opencrane/contract.json) and the tenant-CRD overrides from the environment. Without a
# readable contract, only the overrides allow anything. Returns 1 when the contract is missing.
_load_mcp_policy() {
  _mcp_file=${1:-${OPENCRANE_CONTRACT_FILE:-/var/run/opencrane/contract.json}}
  _MCP_OVERRIDE_ALLOW=$(printf '%s' "${OPENCRANE_TENANT_MCP_ALLOW:-}" | tr ',' ' ')
  _MCP_OVERRIDE_DENY=$(printf '%s' "${OPENCRANE_TENANT_MCP_DENY:-}" | tr ',' ' ')
  _MCP_POLICY_LOADED=1
  if [ ! -r "$_mcp_file" ]; then
    _MCP_CONTRACT_ALLOW=""
    _MCP_CONTRACT_DENY=""
    _MCP_CONTRACT_RESERVED=""
    echo "mcp-policy: no readable contract at $_mcp_file; only the tenant's own allow list applies" >&2
    return 1
  fi
  _mcp_json=$(tr -d ' \t\r\n' < "$_mcp_file")
  _MCP_CONTRACT_ALLOW=$(_mcp_contract_list "$_mcp_json" allow)
  _MCP_CONTRACT_DENY=$(_mcp_contract_list "$_mcp_json" deny)
  _MCP_CONTRACT_RESERVED=$(_mcp_contract_list "$_mcp_json" reserved)
  return 0
}

# _mcp_matches_any NAME PATTERNS: whether NAME matches one of the space-separated globs.
_mcp_matches_any() {
  _mcp_name=$1
  # Expand the list without letting the shell match the globs against files.
  case $- in *f*) _mcp_noglob=1 ;; *) _mcp_noglob="" ; set -f ;; esac
  _mcp_hit=1
  for _mcp_pattern in $2; do
    # shellcheck disable=SC2254 # the pattern is meant to be a glob
    case "$_mcp_name" in $_mcp_pattern) _mcp_hit=0; break ;; esac
  done
  [ -n "$_mcp_noglob" ] || set +f
  return $_mcp_hit
}

# _mcp_listed NAME LIST: whether NAME is one of the space-separated names (no globs).
_mcp_listed() {
  case " $2 " in *" $1 "*) return 0 ;; esac
  return 1
}

# _mcp_server_decision NAME: prints "allow TIER" or "deny TIER".
_mcp_server_decision() {
  if [ -z "$_MCP_POLICY_LOADED" ]; then _load_mcp_policy >/dev/null 2>&1 || :; fi
  if [ -z "$1" ]; then echo "deny 6"; return; fi
  if _mcp_matches_any "$1" "$_MCP_OVERRIDE_DENY"; then echo "deny 2"
  elif _mcp_matches_any "$1" "$_MCP_OVERRIDE_ALLOW" && ! _mcp_listed "$1" "$_MCP_CONTRACT_RESERVED"; then echo "allow 3"
  elif _mcp_listed "$1" "$_MCP_CONTRACT_DENY"; then echo "deny 4"
  elif _mcp_listed "$1" "$_MCP_CONTRACT_ALLOW"; then echo "allow 5"
  else echo "deny 6"
  fi
}

# _mcp_server_is_enabled NAME: exit status 0 when the tenant may use NAME.
_mcp_server_is_enabled() {
  case $(_mcp_server_decision "$1") in allow*) return 0 ;; esac
  return 1
}
