#!/usr/bin/env bash
# Deploys ProofManager (and, unless USDC names an existing token, the psp22_mock stable token) to
# a pallet-contracts chain with cargo-contract 5, verifies it with dry-run reads of `admin()` and
# `usdc()`, and writes deployments/<chain>-<timestamp>.json.
#
# Env (defaults in brackets; * a development chain's default only, see below):
#   URL             node websocket [ws://127.0.0.1:9944]
#   SURI            secret URI of the paying account [//Alice*]; never printed
#   ADMIN           admin account, SS58 [Alice*]
#   SUBMITTER       submitter account, SS58 [Alice*]
#   FERMAH          Fermah's account, SS58 [Bob*]
#   LAGRANGE        Lagrange's account, SS58 [Charlie*]
#   USDC            an existing PSP22 token, SS58; when unset psp22_mock is deployed
#   INITIAL_SUPPLY  psp22_mock's supply, minted to SURI's account, in the token's smallest units
#                   [1000000000000: 1,000,000 tokens at 6 decimals]
#   FUND            smallest units moved from SURI's account to ProofManager after deploy [0]
#   DEPLOYMENTS_DIR where the record goes [deployments/ in the repo]
#   DEV=1           the defaults marked * on a development chain whose node does not report
#                   itself as one
#   DRY_RUN=1       validate the settings and print what would be done; change nothing (the
#                   node is still asked its chain type)
# The dev accounts' secrets are public: a contract deployed with Alice as its admin on a live
# chain has a set_code and a withdraw that anyone can sign. So before anything else the script
# asks the node its chain type (system_chainType): unless it answers "Development" or DEV=1 is
# set, SURI, ADMIN, SUBMITTER, FERMAH and LAGRANGE have no defaults, and when any is unset the
# script names them all and exits 2, before any other call to the node and any transaction.
# Exits non-zero with a clear message when the node is unreachable, SURI's account cannot pay,
# or an address is malformed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

ALICE=5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
BOB=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y

URL="${URL:-ws://127.0.0.1:9944}"
USDC="${USDC:-}"
INITIAL_SUPPLY="${INITIAL_SUPPLY:-1000000000000}"
FUND="${FUND:-0}"
DEPLOYMENTS_DIR="${DEPLOYMENTS_DIR:-$REPO_ROOT/deployments}"
DRY_RUN="${DRY_RUN:-0}"

MANAGER_BUNDLE="$CARGO_TARGET_DIR/ink/proof_manager.contract"
TOKEN_BUNDLE="$CARGO_TARGET_DIR/ink/psp22_mock.contract"

# cargo-contract's errors are read by people here: no Rust backtraces in them.
export RUST_BACKTRACE=0

die() {
  echo "deploy: error: $*" >&2
  exit 1
}

# Exits non-zero unless $1 is an SS58 address with a valid checksum; prints its public key.
ss58_pubkey() {
  python3 - "$1" <<'PY'
import hashlib, sys
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
text = sys.argv[1]
try:
    number = 0
    for char in text:
        number = number * 58 + ALPHABET.index(char)
except ValueError:
    sys.exit(1)
raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
raw = b"\0" * (len(text) - len(text.lstrip("1"))) + raw
prefix_len = 1 if len(raw) == 35 else 2 if len(raw) == 36 else 0
if prefix_len == 0 or (prefix_len == 1 and raw[0] > 63):
    sys.exit(1)
body, checksum = raw[:-2], raw[-2:]
if hashlib.blake2b(b"SS58PRE" + body, digest_size=64).digest()[:2] != checksum:
    sys.exit(1)
print(body[prefix_len:].hex())
PY
}

# Prints the chain type the node reports: Development, Local, Live, or {"Custom": "..."} as
# JSON. Over HTTP on the websocket's port (Substrate serves both there); fails when no node
# answers with one.
node_chain_type() {
  python3 - "$URL" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
for ws, http in (("ws://", "http://"), ("wss://", "https://")):
    if url.startswith(ws):
        url = http + url[len(ws):]
body = json.dumps({"id": 1, "jsonrpc": "2.0", "method": "system_chainType", "params": []})
request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as answer:
    kind = json.load(answer)["result"]
print(kind if isinstance(kind, str) else json.dumps(kind))
PY
}

chain_type="$(node_chain_type 2>/dev/null)" ||
  die "no node answers at $URL (is it running? is the port right?)"
if [ "$chain_type" = Development ] || [ "${DEV:-0}" = 1 ]; then
  [ "$chain_type" = Development ] ||
    echo "==> DEV=1: dev-account defaults on a chain whose node reports chain type $chain_type"
  SURI="${SURI:-//Alice}"
  ADMIN="${ADMIN:-$ALICE}"
  SUBMITTER="${SUBMITTER:-$ALICE}"
  FERMAH="${FERMAH:-$BOB}"
  LAGRANGE="${LAGRANGE:-$CHARLIE}"
else
  missing=()
  for name in SURI ADMIN SUBMITTER FERMAH LAGRANGE; do
    [ -n "${!name:-}" ] || missing+=("$name")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    cat >&2 <<EOF
deploy: error: not deploying: ${missing[*]} not set.
  The node at $URL reports chain type $chain_type, not Development, and only a
  development chain has defaults for them: the dev accounts (//Alice, Bob, Charlie), whose
  secrets are public. To proceed, set each of them (SURI the paying account's secret URI, the
  others SS58 addresses), or run with DEV=1 if this is a development chain whose node does not
  report itself as one.
EOF
    exit 2
  fi
fi

for role in ADMIN SUBMITTER FERMAH LAGRANGE ${USDC:+USDC}; do
  ss58_pubkey "${!role}" >/dev/null || die "$role='${!role}' is not a valid SS58 address"
done
for amount in INITIAL_SUPPLY FUND; do
  [[ "${!amount}" =~ ^[0-9]+$ ]] || die "$amount='${!amount}' is not a whole number of units"
done
[ "$(ss58_pubkey "$FERMAH")" != "$(ss58_pubkey "$LAGRANGE")" ] ||
  die "FERMAH and LAGRANGE are the same account (the constructor refuses it: AddressInUse)"

echo "==> deploying to $URL, chain type $chain_type (SURI given, not shown)"
echo "    admin=$ADMIN submitter=$SUBMITTER"
echo "    fermah=$FERMAH lagrange=$LAGRANGE"
if [ -n "$USDC" ]; then
  echo "    usdc=$USDC (existing token)"
else
  echo "    usdc: a new psp22_mock with supply $INITIAL_SUPPLY"
fi
echo "    fund ProofManager with $FUND units"

if [ "$DRY_RUN" = 1 ]; then
  [ -n "$USDC" ] || echo "would: cargo contract instantiate $TOKEN_BUNDLE --constructor new --args $INITIAL_SUPPLY 'Some(\"USD Coin\")' 'Some(\"USDC\")' 6"
  echo "would: cargo contract instantiate $MANAGER_BUNDLE --constructor new --args $FERMAH $LAGRANGE ${USDC:-<new token>} $SUBMITTER $ADMIN"
  [ "$FUND" = 0 ] || echo "would: cargo contract call PSP22::transfer <manager> $FUND [] on ${USDC:-<new token>}"
  echo "would: dry-run admin() and usdc(), then write $DEPLOYMENTS_DIR/<chain>-<timestamp>.json"
  echo "==> DRY_RUN=1: nothing done"
  exit 0
fi

# JSON-RPC over HTTP on the websocket's port (Substrate serves both there): rpc METHOD [PARAMS].
rpc() {
  local http="${URL/#ws:/http:}"
  http="${http/#wss:/https:}"
  curl -sS --max-time 10 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":[${2:-}]}" "$http"
}
json_field() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1:]:
    value = value[key]
print(value)' "$@"
}

chain="$(rpc system_chain 2>/dev/null | json_field result 2>/dev/null)" ||
  die "no node answers at $URL (is it running? is the port right?)"
echo "==> node at $URL: chain '$chain'"

if [ ! -f "$MANAGER_BUNDLE" ] || [ ! -f "$TOKEN_BUNDLE" ]; then
  echo "==> release bundles missing: building them"
  bash scripts/build.sh
fi
ensure_toolchain >/dev/null

# Runs cargo contract with SURI and URL; explains a failure in words, then exits.
contract() {
  local out
  if ! out="$(cargo contract "$@" --suri "$SURI" --url "$URL" --output-json 2>&1)"; then
    echo "$out" >&2
    case "$out" in
      # No deposit limit is set, so pallet-contracts caps the deposit at the free balance: an
      # account without funds fails the dry run with StorageDepositLimitExhausted.
      *"Inability to pay"*|*"balance too low"*|*FundsUnavailable*|*NotEnoughFunds*|*InsufficientBalance*|*StorageDepositLimitExhausted*)
        die "SURI's account cannot pay the fees and deposits on $chain: fund it" ;;
      *)
        die "cargo contract $1 failed (output above)" ;;
    esac
  fi
  printf '%s\n' "$out"
}

salt="0x$(printf '%016x' "$(date +%s%N)")"
if [ -z "$USDC" ]; then
  echo "==> instantiating psp22_mock (supply $INITIAL_SUPPLY to SURI's account)"
  token_json="$(contract instantiate "$TOKEN_BUNDLE" --constructor new \
    --args "$INITIAL_SUPPLY" 'Some("USD Coin")' 'Some("USDC")' 6 \
    --salt "$salt" --execute --skip-confirm)"
  USDC="$(printf '%s' "$token_json" | json_field contract)"
  echo "    usdc=$USDC"
fi

echo "==> instantiating ProofManager"
manager_json="$(contract instantiate "$MANAGER_BUNDLE" --constructor new \
  --args "$FERMAH" "$LAGRANGE" "$USDC" "$SUBMITTER" "$ADMIN" \
  --salt "$salt" --execute --skip-confirm)"
MANAGER="$(printf '%s' "$manager_json" | json_field contract)"
echo "    proof_manager=$MANAGER"
block_number=$(( $(rpc chain_getHeader | json_field result number) ))
block_hash="$(rpc chain_getBlockHash "$block_number" | json_field result)"

if [ "$FUND" != 0 ]; then
  echo "==> moving $FUND units of $USDC to ProofManager"
  contract call --contract "$USDC" --message PSP22::transfer --args "$MANAGER" "$FUND" '[]' \
    --execute --skip-confirm "$TOKEN_BUNDLE" >/dev/null
fi

# Dry-run reads: the deployed contract answers with the roles it was given.
verify() {
  local message="$1" expected="$2" answer
  answer="$(contract call --contract "$MANAGER" --message "$message" "$MANAGER_BUNDLE")"
  python3 - "$expected" "$answer" <<'PY' || die "$message() answered something else than ${expected}: $answer"
import json, re, sys, hashlib
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def pubkey(text):
    number = 0
    for char in text:
        number = number * 58 + ALPHABET.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return raw[-34:-2]
expected, answer = pubkey(sys.argv[1]), json.loads(sys.argv[2])
if answer["reverted"]:
    sys.exit(1)
found = re.findall(r"[1-9A-HJ-NP-Za-km-z]{46,48}", json.dumps(answer["data"]))
sys.exit(0 if any(pubkey(f) == expected for f in found) else 1)
PY
  echo "    $message() = $expected"
}
echo "==> verifying with dry-run reads"
verify admin "$ADMIN"
verify usdc "$USDC"

code_hash() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["source"]["hash"])' "$1"
}
mkdir -p "$DEPLOYMENTS_DIR"
record="$DEPLOYMENTS_DIR/$(printf '%s' "$chain" | tr -cs 'A-Za-z0-9' '-' | tr 'A-Z' 'a-z')-$(date -u +%Y%m%dT%H%M%SZ).json"
token_code_hash=""
[ -n "${token_json:-}" ] && token_code_hash="$(code_hash "$TOKEN_BUNDLE")"
# Values go in as arguments, never pasted into the program text.
python3 - "$record" "$chain" "$URL" "$block_number" "$block_hash" "$MANAGER" \
  "$(code_hash "$MANAGER_BUNDLE")" "$USDC" "$token_code_hash" "$ADMIN" "$SUBMITTER" "$FERMAH" \
  "$LAGRANGE" "$FUND" <<'PY'
import json, sys
(path, chain, url, block_number, block_hash, manager, manager_code, usdc, token_code, admin,
 submitter, fermah, lagrange, fund) = sys.argv[1:]
record = {
    "chain": chain,
    "url": url,
    "block": {"number": int(block_number), "hash": block_hash},
    "proof_manager": {"address": manager, "code_hash": manager_code},
    "usdc": {"address": usdc, "code_hash": token_code or None, "deployed_here": bool(token_code)},
    "roles": {"admin": admin, "submitter": submitter, "fermah": fermah, "lagrange": lagrange},
    "funded": fund,
}
with open(path, "w") as out:
    json.dump(record, out, indent=2)
    out.write("\n")
PY
echo "==> deployed; record: $record"
cat "$record"
