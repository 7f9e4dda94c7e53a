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
#
# Tools (DESIGN §11): the contract lists, per allowed server whose tool manifest is known, the
# tools the tenant may use with their pinned digests (mcp.servers[].tools). Tools withheld by tool
# drift, or not allowed to the tenant, are not listed.
#   _mcp_tool_is_enabled SERVER TOOL -> 0 when SERVER is enabled and the contract lists TOOL for
#                                       it (or lists SERVER without tools: no manifest known)
#   _mcp_tool_digest SERVER TOOL     -> prints TOOL's pinned sha256 (exit 1 when none)

_MCP_CONTRACT_ALLOW=""
_MCP_CONTRACT_DENY=""
_MCP_CONTRACT_RESERVED=""
_MCP_OVERRIDE_ALLOW=""
_MCP_OVERRIDE_DENY=""
_MCP_POLICY_LOADED=""
_MCP_CONTRACT_JSON=""

# _mcp_contract_list JSON KEY: the names in policy.mcpServers.KEY of a whitespace-free contract.
_mcp_contract_list() {
  printf '%s' "$1" \
    | sed -n 's/.*"mcpServers":{\([^}]*\)}.*/\1/p' \
    | sed 's/,"tools":{.*//' \
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
    _MCP_CONTRACT_JSON=""
    echo "mcp-policy: no readable contract at $_mcp_file; only the tenant's own allow list applies" >&2
    return 1
  fi
  _mcp_json=$(tr -d ' \t\r\n' < "$_mcp_file")
  _MCP_CONTRACT_ALLOW=$(_mcp_contract_list "$_mcp_json" allow)
  _MCP_CONTRACT_DENY=$(_mcp_contract_list "$_mcp_json" deny)
  _MCP_CONTRACT_RESERVED=$(_mcp_contract_list "$_mcp_json" reserved)
  # For tool names, which may hold spaces: compact JSON as the control plane serves it, or pretty
  # JSON with each line's indentation and the space after each key's colon taken out.
  _MCP_CONTRACT_JSON=$(sed 's/^[ 	]*//; s/": /":/g' < "$_mcp_file" | tr -d '\r\n')
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

# _mcp_server_tools NAME: prints "=" and the inside of the contract's tools array for NAME
# (`{"name":…,"sha256":…},…`); exit 2 when the contract lists NAME without tools (no manifest
# known), 1 when it does not list NAME.
_mcp_server_tools() {
  case $1 in ''|*[!a-z0-9-]*) return 1 ;; esac
  _mcp_tools=$(printf '%s' "$_MCP_CONTRACT_JSON" | sed -n "s/.*{\"name\":\"$1\",\"tools\":\[\([^]]*\)\].*/=\1/p")
  if [ -n "$_mcp_tools" ]; then printf '%s' "$_mcp_tools"; return 0; fi
  case $_MCP_CONTRACT_JSON in *"{\"name\":\"$1\",\"displayName\":"*) return 2 ;; esac
  return 1
}

# _mcp_tool_name_ok TOOL: tool names the library looks up (MCP's recommended characters, plus
# ':', '@' and '+'); anything else is never enabled.
_mcp_tool_name_ok() {
  case $1 in ''|*[!A-Za-z0-9_./:@+-]*) return 1 ;; esac
  return 0
}

# _mcp_tool_is_enabled SERVER TOOL: exit status 0 when the tenant may use TOOL of SERVER: SERVER
# is enabled and the contract lists TOOL for it. A server the contract lists without tools (no
# manifest known yet) is decided at the server level alone. A server the contract does not list
# (enabled by the tenant's own allow list only) has no tool the pod can vouch for: none is
# enabled, unless there is no contract at all (then, as for servers, only the overrides decide).
_mcp_tool_is_enabled() {
  _mcp_server_is_enabled "$1" || return 1
  _mcp_tool_name_ok "$2" || return 1
  _mcp_tools=$(_mcp_server_tools "$1")
  case $? in
    0) case $_mcp_tools in *"{\"name\":\"$2\",\"sha256\":"*) return 0 ;; esac; return 1 ;;
    2) return 0 ;;
  esac
  [ -z "$_MCP_CONTRACT_JSON" ]
}

# _mcp_tool_digest SERVER TOOL: prints the sha256 TOOL of SERVER was pinned with (the runtime
# compares it with the live definition's digest, see docs/tools.md). Exit 1, printing nothing,
# when the tool is not enabled or the contract pins no digest for it.
_mcp_tool_digest() {
  _mcp_tool_is_enabled "$1" "$2" || return 1
  _mcp_tools=$(_mcp_server_tools "$1") || return 1
  _mcp_tool_re=$(printf '%s' "$2" | sed 's/[].[*^$\/]/\\&/g')
  _mcp_digest=$(printf '%s' "$_mcp_tools" | sed -n "s/.*{\"name\":\"$_mcp_tool_re\",\"sha256\":\"\([0-9a-f]*\)\"}.*/\1/p")
  [ -n "$_mcp_digest" ] || return 1
  printf '%s\n' "$_mcp_digest"
}
