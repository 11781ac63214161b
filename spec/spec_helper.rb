# frozen_string_literal: true

RSpec.configure { |c| c.mock_with :rspec }

require 'puppetlabs_spec_helper/module_spec_helper'
require 'rspec-puppet-facts'
require 'open3'
require 'tmpdir'
require 'json'
include RspecPuppetFacts

# The fact sets the specs compile against, one per operating system that metadata.json lists:
# modern (structured) facts only, as Facter 4 reports them on Puppet 8 (include_legacy_facts =
# false). No osfamily, hostname, fqdn, ipaddress...: with strict_variables on, a manifest that
# reads a legacy top-scope fact ($::osfamily) fails to compile in every spec.
# They are written out here because rspec-puppet-facts (Debian's 2.0.3 and its facterdb) has no
# Debian 12 or 13 set, and on_supported_os silently yields 0 examples for them.
def debian_facts(major, minor, codename)
  {
    'os' => {
      'family' => 'Debian', 'name' => 'Debian',
      'release' => { 'full' => "#{major}.#{minor}", 'major' => major, 'minor' => minor },
      'distro' => { 'codename' => codename, 'id' => 'Debian', 'release' => { 'full' => "#{major}.#{minor}", 'major' => major } },
      'architecture' => 'amd64', 'hardware' => 'x86_64', 'selinux' => { 'enabled' => false }
    },
    'kernel' => 'Linux',
    'path' => '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'networking' => {
      'fqdn' => 'n1.example.test', 'hostname' => 'n1', 'domain' => 'example.test',
      'primary' => 'eth0', 'ip' => '198.51.100.1', 'ip6' => '2001:db8::1'
    },
  }.freeze
end

TESTED_OS_FACTS = {
  'Debian-12' => debian_facts('12', '5', 'bookworm'),
  'Debian-13' => debian_facts('13', '1', 'trixie'),
}.freeze

# metadata.json and the fact sets agree: every OS it lists has a set here, and no other.
listed = JSON.parse(File.read(File.expand_path('../metadata.json', __dir__)))['operatingsystem_support']
              .flat_map { |os| os.fetch('operatingsystemrelease').map { |r| "#{os['operatingsystem']}-#{r}" } }
raise "spec_helper: metadata.json lists #{listed.sort}, but fact sets exist for #{TESTED_OS_FACTS.keys.sort}" \
  unless listed.sort == TESTED_OS_FACTS.keys.sort

# The OS whose facts the specs use by default: GV_SPEC_OS (e.g. Debian-13), else the OS the specs
# run on (the Puppet 7 stage runs on Debian 12, the Puppet 8 stage in a Debian 13 root), so each
# stage compiles against the facts of the OS it tests. Unknown: a loud failure, not a fallback.
def spec_os
  return ENV['GV_SPEC_OS'] if ENV['GV_SPEC_OS'].to_s != ''

  release = File.exist?('/etc/os-release') ? File.read('/etc/os-release') : ''
  id = release[%r{^ID=(.*)$}, 1].to_s.delete('"').capitalize
  major = release[%r{^VERSION_ID=(.*)$}, 1].to_s.delete('"').split('.').first
  "#{id}-#{major}"
end
SPEC_OS = spec_os
SPEC_FACTS = TESTED_OS_FACTS.fetch(SPEC_OS) do
  raise "spec_helper: no fact set for #{SPEC_OS}; set GV_SPEC_OS to one of #{TESTED_OS_FACTS.keys.join(', ')}"
end
# The old name, kept for the specs that use it (they read its path, the same in every set).
DEBIAN12_FACTS = SPEC_FACTS

# on_tested_os { |os, facts| ... }: runs the block once per tested OS with its fact set.
def on_tested_os(&block)
  TESTED_OS_FACTS.each(&block)
end

# What Puppet's compiler asks Facter about the server itself (servername, serverip). They are not
# node facts: they stay out of the default facts.
SERVER_FACTS = { 'fqdn' => 'puppet.example.test', 'ipaddress' => '198.51.100.2', 'ipaddress6' => '2001:db8::2',
                 'networking.fqdn' => 'puppet.example.test', 'networking.ip' => '198.51.100.2',
                 'networking.ip6' => '2001:db8::2' }.freeze

# The gluster_vip fact as the binary reports it, with overrides.
def gluster_vip_fact(overrides = {})
  fact = {
    'holder' => false, 'mode' => 'vip', 'vip' => '203.0.113.10', 'interface' => nil,
    'reason' => '203.0.113.10 is not on any up interface', 'conflict' => false, 'held_for' => nil,
    'command' => '/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-linux-amd64',
    'version' => '0.1.0', 'error' => nil
  }.merge(overrides)
  { 'gluster_vip_holder' => fact['holder'], 'gluster_vip' => fact }
end

RSpec.configure do |c|
  c.default_facts = SPEC_FACTS
  c.strict_variables = true
  c.before(:each) do
    Puppet[:strict] = :error
    # Puppet's compiler asks Facter for the server's fqdn and addresses on every compile, and
    # Facter then resolves the real network (ip link, ip route) each time: answer from the stubs.
    allow(Facter).to receive(:value).and_call_original
    SERVER_FACTS.each do |name, value|
      allow(Facter).to receive(:value).with(name).and_return(value)
      allow(Facter).to receive(:value).with(name.to_sym).and_return(value)
    end
  end
end

# Checks a keepalived config with `keepalived -t -f`, in a private network namespace that has an
# eth0 (keepalived refuses a config whose interface does not exist). Returns [ok, output].
# Needs root, unshare, ip and keepalived: without them the example is skipped, and fails under CI=true.
def keepalived_check(content)
  missing = []
  missing << 'root' unless Process.euid.zero?
  %w[unshare ip keepalived].each do |tool|
    missing << tool unless ENV['PATH'].split(':').push('/usr/sbin', '/sbin').any? { |d| File.executable?(File.join(d, tool)) }
  end
  unless missing.empty?
    raise "keepalived -t needs #{missing.join(', ')}" if ENV['CI'] == 'true'

    skip "keepalived -t needs #{missing.join(', ')}"
  end
  Dir.mktmpdir('gluster_vip-keepalived') do |dir|
    conf = File.join(dir, 'keepalived.conf')
    File.write(conf, content)
    script = 'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && ip link set eth1 up && ' \
             'exec keepalived -t -f "$1"'
    out, status = Open3.capture2e({ 'PATH' => "#{ENV['PATH']}:/usr/sbin:/sbin" }, 'timeout', '20', 'unshare', '--net', 'sh', '-c', script, 'sh', conf)
    [status.success?, out]
  end
end
