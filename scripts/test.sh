#!/usr/bin/env bash
# The one test command. On a fresh Debian machine (as root) it installs what the tests need, starts the real
# peers on free loopback ports (PostgreSQL 15, a Ceph RADOS Gateway as the S3 server; the tests start the
# OpenID provider from scripts/peers/oidc, the OpenAI-compatible LLM server from scripts/peers/llm and PGlite with
# pgvector from scripts/peers/pgvector themselves), builds, runs every test
# project, stops what it started and prints a final "N passed, N failed, N skipped" line. Exit code is non-zero on any failure, and when a project
# executed no test (scripts/test-summary.py decides).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
results="$root/TestResults"
work=$(mktemp -d /tmp/aiplatform-test.XXXXXX)
chmod 755 "$work"
pg_bin=/usr/lib/postgresql/15/bin
started_pg=""
started_ceph=""

log() { printf '\n== %s\n' "$*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  set +e
  [ -n "$started_pg" ] && as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  [ -n "$started_ceph" ] && "$root/scripts/peers/ceph-rgw.sh" stop "$work/ceph" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

install_prerequisites() {
  local missing=()
  [ -x "$pg_bin/initdb" ] || missing+=(postgresql-15)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v radosgw >/dev/null || missing+=(ceph-mon ceph-osd radosgw ceph-common)
  command -v curl >/dev/null || missing+=(curl)
  command -v python3 >/dev/null || missing+=(python3)
  command -v git >/dev/null || missing+=(git)
  # The Local training backend runs custom code in a bubblewrap sandbox (setpriv drops root to an unprivileged uid).
  [ -x /usr/bin/bwrap ] || missing+=(bubblewrap)
  [ -x /usr/bin/setpriv ] || missing+=(util-linux)
  command -v node >/dev/null || missing+=(nodejs npm)
  [ -e /usr/lib/x86_64-linux-gnu/libgomp.so.1 ] || missing+=(libgomp1)
  /usr/bin/python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
  if [ ${#missing[@]} -gt 0 ]; then
    log "Installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start_postgres() {
  local port; port=$(free_port)
  mkdir -p "$work/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  # Password authentication over TCP, so that tests can check how wrong passwords are reported.
  echo "aip-test-pg" > "$work/pg/pw"
  [ "$(id -u)" = 0 ] && chown postgres "$work/pg/pw"
  as_postgres "$pg_bin/initdb" -D "$work/pg/data" --auth-local=trust --auth-host=scram-sha-256 --pwfile="$work/pg/pw" -U postgres >/dev/null
  as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
    -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300" start >/dev/null
  started_pg=1
  export AIP_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=aip-test-pg;Database=postgres"
  echo "PostgreSQL on 127.0.0.1:$port"
}

start_s3() {
  local port; port=$(free_port)
  export S3_ACCESS_KEY=aiplatformtest S3_SECRET_KEY="s3secret-$RANDOM$RANDOM"
  started_ceph=1
  "$root/scripts/peers/ceph-rgw.sh" start "$work/ceph" "$port" >"$work/ceph-start.log" 2>&1 || { cat "$work/ceph-start.log"; exit 1; }
  export AIP_TEST_S3_ENDPOINT="127.0.0.1:$port" AIP_TEST_S3_ACCESS_KEY="$S3_ACCESS_KEY" AIP_TEST_S3_SECRET_KEY="$S3_SECRET_KEY"
  echo "S3 (Ceph RGW) on 127.0.0.1:$port"
}

start=$(date +%s)
install_prerequisites
log "Starting test peers"
start_postgres
start_s3
log "Installing the OpenID provider used as Keycloak stand-in"
(cd "$root/scripts/peers/oidc" && npm ci --silent --no-audit --no-fund)
log "Preparing the LLM test peer (llama.cpp on a tiny random-weight model)"
(cd "$root/scripts/peers/llm" && npm ci --silent --no-audit --no-fund)
(cd "$root/scripts/peers/openai-node" && npm ci --silent --no-audit --no-fund)
(cd "$root/scripts/peers/pgvector" && npm ci --silent --no-audit --no-fund)
export AIP_TEST_LLM_MODEL; AIP_TEST_LLM_MODEL=$("$root/scripts/peers/llm/make-model.sh" "$work/llm")
export AIP_TEST_CHROMIUM=/usr/bin/chromium
export AIP_TEST_ARTIFACTS="$results/artifacts"

log "Building"
rm -rf "$results"
dotnet build AiPlatform.sln -c Release -nologo -clp:ErrorsOnly

log "Running tests"
status=0
projects=(AiPlatform.Core.Tests AiPlatform.Infrastructure.Tests AiPlatform.Web.Tests AiPlatform.E2E.Tests)
for name in "${projects[@]}"; do
  dotnet test "tests/$name" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

echo "Test time: $(( $(date +%s) - start )) s; screenshots in $AIP_TEST_ARTIFACTS"
# Fails the run when a project left no result file, executed no test, or has any result that is not a pass or a
# skip (inconclusive and not-runnable count as failed); its last line is "N passed, N failed, N skipped".
python3 "$root/scripts/test-summary.py" "$results" "${projects[@]}" || status=1
exit $status
