#!/usr/bin/env bash
# Sourced by the end-to-end scripts: free loopback ports, and dev nodes that are surely their own.
# (The shell twin of scripts/lib/nodes.ts `startNode`: CI runs lanes side by side, so a port free a
# moment ago may be another lane's node by the time this one binds it.)

# A loopback port nothing listens on right now.
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# start_node LOG CHAIN_ID COMMAND...: runs `COMMAND --port P` in its own session on a free port P,
# its output in LOG, and waits (up to 30 s) until P answers eth_chainId. The node counts as started
# only if it answers CHAIN_ID and is still running a moment later; otherwise it is stopped and
# another port is tried, five times at most. Sets STARTED_PORT and STARTED_PID (the session's leader:
# `kill -- -$STARTED_PID` stops it and its children).
start_node() {
  local log=$1 chain=$2 attempt port pid got want
  shift 2
  want=$(printf '0x%x' "$chain")
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    setsid "$@" --port "$port" > "$log" 2>&1 &
    pid=$!
    got=""
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      got=$(curl -s -m 2 -X POST -H 'content-type: application/json' \
        --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' "http://127.0.0.1:${port}" \
        | sed -n 's/.*"result":"\(0x[0-9a-fA-F]*\)".*/\1/p') || got=""
      [ -n "$got" ] && break
      sleep 0.2
    done
    if [ "$got" = "$want" ] && sleep 0.3 && kill -0 "$pid" 2>/dev/null; then
      STARTED_PORT=$port
      STARTED_PID=$pid
      return 0
    fi
    kill -- -"$pid" 2>/dev/null || true
    echo "start_node: $1 on port $port was not ours (chain id '${got:-none}', wanted $want), attempt $attempt of 5" >&2
    tail -n 3 "$log" >&2 || true
  done
  return 1
}
