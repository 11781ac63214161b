#!/bin/sh
# Prints what the Puppet 8 stage runs against, and fails unless Puppet runs with Puppet 8's
# defaults (the stage sets none of them: it tests what a Debian 13 node gets out of the box).
# Runs inside the Debian 13 root (rake puppet8:versions).
set -eu

stdlib=/usr/share/puppet/modules/stdlib/metadata.json
puppet=$(puppet --version)
facter=$(facter --version)
keepalived=$(keepalived --version 2>&1 | sed -n '1s/^Keepalived v\([^ ]*\).*/\1/p')
stdlib_version=$(ruby -rjson -e 'puts JSON.parse(File.read(ARGV[0]))["version"]' "$stdlib")
server=$(dpkg-query -W -f '${Version}' puppetserver)
rspec_puppet=$(dpkg-query -W -f '${Version}' ruby-rspec-puppet)
etcd=$(dpkg-query -W -f '${Version}' etcd-server)
echo "puppet8: $(. /etc/os-release && echo "$PRETTY_NAME"): Puppet $puppet, Facter $facter, keepalived $keepalived, stdlib $stdlib_version, puppetserver $server, rspec-puppet $rspec_puppet, etcd $etcd"

case $puppet in
  8.*) ;;
  *) echo "puppet8: FAIL: Puppet $puppet is not Puppet 8" >&2; exit 1 ;;
esac
want='include_legacy_facts = false
preprocess_deferred = false
strict = error
strict_variables = true'
got=$(puppet config print include_legacy_facts preprocess_deferred strict strict_variables)
if [ "$got" != "$want" ]; then
  printf 'puppet8: FAIL: Puppet settings are not Puppet 8 defaults:\n%s\nwant:\n%s\n' "$got" "$want" >&2
  exit 1
fi
echo "puppet8: Puppet 8 defaults: $(echo "$got" | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
[ -f /etc/keepalived/keepalived.config-opts ] ||
  { echo "puppet8: FAIL: /etc/keepalived/keepalived.config-opts is missing (keepalived 2.3 -t needs it)" >&2; exit 1; }
