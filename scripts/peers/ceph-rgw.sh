#!/usr/bin/env bash
# Starts a throwaway single-node Ceph cluster (one monitor, one in-memory OSD) and a RADOS Gateway:
# a real S3 server on 127.0.0.1 for the object-store tests. Usage: ceph-rgw.sh start DIR PORT | stop DIR
set -euo pipefail
cmd=$1 dir=$2

if [ "$cmd" = stop ]; then
  pkill -f -- "-c $dir/ceph.conf" 2>/dev/null || true
  for _ in $(seq 1 20); do
    pgrep -f -- "-c $dir/ceph.conf" >/dev/null || exit 0
    sleep 0.5
  done
  pkill -9 -f -- "-c $dir/ceph.conf" 2>/dev/null || true
  exit 0
fi

port=$3
mon_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir"/{run,log,rgw}
fsid=$(cat /proc/sys/kernel/random/uuid)
conf=$dir/ceph.conf
cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = 127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = $dir/run
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
keyring = $dir/\$name.keyring
[mon]
mon data = $dir/mon-\$id
[osd]
osd data = $dir/osd-\$id
keyring = $dir/osd-\$id/keyring
osd objectstore = memstore
memstore device bytes = 2147483648
osd max object name len = 256
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
CONF

ceph-authtool --create-keyring "$dir/mon..keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$dir/client.admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$dir/mon..keyring" --import-keyring "$dir/client.admin.keyring" >/dev/null
monmaptool --create --add a "127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon..keyring"
ceph-mon -c "$conf" -i a

uuid=$(cat /proc/sys/kernel/random/uuid)
secret=$(ceph-authtool --gen-print-key)
id=$(echo "{\"cephx_secret\": \"$secret\"}" | ceph -c "$conf" osd new "$uuid" -i -)
mkdir -p "$dir/osd-$id"
ceph-authtool --create-keyring "$dir/osd-$id/keyring" --name "osd.$id" --add-key "$secret" >/dev/null
ceph-osd -c "$conf" -i "$id" --mkfs --osd-uuid "$uuid" 2>/dev/null
ceph-osd -c "$conf" -i "$id"

ceph -c "$conf" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$dir/client.rgw.a.keyring"
for _ in $(seq 1 60); do
  ceph -c "$conf" osd stat 2>/dev/null | grep -q '1 up' && break
  sleep 1
done
radosgw -c "$conf" -n client.rgw.a
for _ in $(seq 1 120); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 1
done
radosgw-admin -c "$conf" user create --uid=aiplatform-test --display-name="AiPlatform tests" \
  --access-key="${S3_ACCESS_KEY:-aiplatformtest}" --secret="${S3_SECRET_KEY:-aiplatformtestsecret}" >/dev/null
echo "ceph rgw ready on 127.0.0.1:$port"
