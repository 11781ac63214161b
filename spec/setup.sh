#!/bin/sh
# Installs what the tests and the demo need on a fresh Debian 12 machine, idempotently.
# Go 1.26 is expected on the machine already (/usr/local/go or PATH).
set -eu
pkgs="puppet facter keepalived ruby-rspec-puppet ruby-puppetlabs-spec-helper
  ruby-rspec-puppet-facts puppet-lint puppet-strings puppet-module-puppetlabs-stdlib
  iproute2 nftables rake time gnuplot-nox util-linux procps puppetserver
  r10k debootstrap prometheus-node-exporter etcd-server etcd-client systemd"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "spec/setup.sh: missing Debian packages:$missing (run as root to install them)" >&2
    exit 1
  fi
  echo "spec/setup.sh: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || {
  echo "spec/setup.sh: Go 1.26 is not installed (expected go on PATH or /usr/local/go/bin/go)" >&2
  exit 1
}
