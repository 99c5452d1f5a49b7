#!/bin/bash
# Re-records the golden client frames in tests/data/proto/ against a real ZooKeeper 3.8:
# starts ZooKeeper on a free 127.0.0.1 port (dataDir under /tmp), puts zkproxy.py in front of it,
# runs zkCli (Java), the C client (libzookeeper_mt) and kazoo through the proxy, then stops
# everything it started, by PID.
# Usage: tools/capture/record.sh [out_dir]   (default: tests/data/proto)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/tests/data/proto}"
work="$(mktemp -d /tmp/wd-capture.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

zk_port="$(free_port)"
mkdir -p "$work/data"
cat > "$work/zoo.cfg" <<CFG
tickTime=2000
dataDir=$work/data
clientPort=$zk_port
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
admin.enableServer=false
CFG
java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
    org.apache.zookeeper.server.ZooKeeperServerMain "$work/zoo.cfg" >"$work/zk.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    if [ "$(echo ruok | /usr/bin/python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$zk_port)); s.sendall(b'ruok'); print(s.recv(4).decode())" 2>/dev/null)" = imok ]; then break; fi
    sleep 0.2
done

run_proxy() {  # name label -> sets proxy_port
    /usr/bin/python3 "$here/zkproxy.py" --upstream "127.0.0.1:$zk_port" --out "$work/$1.txt" \
        --label "$2" >"$work/$1.port" &
    pids+=($!)
    for _ in $(seq 50); do [ -s "$work/$1.port" ] && break; sleep 0.1; done
    proxy_port="$(awk '{print $2}' "$work/$1.port")"
}

run_proxy zkcli "zkCli.sh (Java client, ZooKeeper 3.8.0) against ZooKeeper 3.8.0"
/usr/share/zookeeper/bin/zkCli.sh -server "127.0.0.1:$proxy_port" >"$work/zkcli.out" 2>&1 <<'CMDS'
create /j data1
create -e -s /j/e- eph
get -s /j
set /j data2
ls -s /j
setAcl /j world:anyone:cdrwa
getAcl /j
addauth digest u:p
addWatch -m PERSISTENT_RECURSIVE /j
create /j/child x
delete /j/child
sync /j
quit
CMDS

run_proxy c "C client (libzookeeper_mt 3.8.0) against ZooKeeper 3.8.0"
gcc -Wall -o "$work/c_client" "$here/c_client.c" -lzookeeper_mt
"$work/c_client" "127.0.0.1:$proxy_port" >"$work/c.out" 2>&1

run_proxy kazoo "kazoo 2.8 (Python) against ZooKeeper 3.8.0"
/usr/bin/python3 "$here/kazoo_client.py" "127.0.0.1:$proxy_port" >"$work/kazoo.out" 2>&1

sleep 0.5
mkdir -p "$out"
for name in zkcli c kazoo; do cp "$work/$name.txt" "$out/$name.txt"; done
echo "recorded into $out (scratch: $work)"
