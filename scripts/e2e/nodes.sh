#!/usr/bin/env bash
# Sourced by the end-to-end scripts: free loopback ports, and dev nodes that are surely their own.
# (The shell twin of scripts/lib/nodes.ts `startNode`: CI runs lanes side by side, so a port free a
# moment ago may be another lane's node by the time this one binds it.)

# A loopback port nothing listens on right now.
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# The sessions of the processes listening on TCP port $1, one per line (from /proc: the listening
# sockets' inodes, then the processes holding them). Another user's processes may not be seen.
listener_sessions() {
  local hex inode
  hex=$(printf ':%04X' "$1")
  for inode in $(awk -v p="$hex" 'FNR > 1 && substr($2, length($2) - 4) == p && $4 == "0A" { print $10 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
    find /proc/[0-9]*/fd -lname "socket:\[$inode\]" 2>/dev/null | cut -d/ -f3
  done | sort -u | while read -r pid; do ps -o sid= -p "$pid" 2>/dev/null || true; done | tr -d ' ' | sort -u
}

# start_node LOG CHAIN_ID COMMAND...: runs `COMMAND --port P` in its own session on a free port P,
# its output in LOG, and waits (up to 30 s) until P answers eth_chainId. The node counts as started
# only if it answers CHAIN_ID, is still running a moment later, and the port's listener is in its
# own session (another process's node on that port may well have the same chain id); otherwise it
# is stopped and another port is tried, five times at most. Sets STARTED_PORT and STARTED_PID (the
# session's leader: `kill -- -$STARTED_PID` stops it and its children). STARTED_PID is set as soon
# as the node is spawned, so a script's exit trap can stop a node still starting.
start_node() {
  local log=$1 chain=$2 attempt port pid got want monitor=${-//[^m]/}
  shift 2
  want=$(printf '0x%x' "$chain")
  set +m # with job control on, setsid would fork and $! would not be the session's leader
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    setsid "$@" --port "$port" > "$log" 2>&1 &
    pid=$!
    STARTED_PID=$pid
    got=""
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      got=$(curl -s -m 2 -X POST -H 'content-type: application/json' \
        --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' "http://127.0.0.1:${port}" \
        | sed -n 's/.*"result":"\(0x[0-9a-fA-F]*\)".*/\1/p') || got=""
      [ -n "$got" ] && break
      sleep 0.2
    done
    if [ "$got" = "$want" ] && sleep 0.3 && kill -0 "$pid" 2>/dev/null && [ "$(listener_sessions "$port")" = "$pid" ]; then
      STARTED_PORT=$port
      [ -z "$monitor" ] || set -m
      return 0
    fi
    kill -- -"$pid" 2>/dev/null || true
    echo "start_node: $1 on port $port was not ours (chain id '${got:-none}', wanted $want; listener sessions: $(listener_sessions "$port" | tr '\n' ' ')), attempt $attempt of 5" >&2
    tail -n 3 "$log" >&2 || true
  done
  STARTED_PID=""
  [ -z "$monitor" ] || set -m
  return 1
}
