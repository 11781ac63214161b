# frozen_string_literal: true

require 'spec_helper'
require 'timeout'

describe 'gluster_vip::keepalived' do
  let(:conf) { '/etc/keepalived/keepalived.conf' }
  let(:nodes) { ['n3', 'n1', 'n2'] }
  let(:base) { { nodes: nodes, node_name: 'n1', vip: '203.0.113.10', interface: 'eth0' } }
  let(:params) { base }

  def content
    c = catalogue.resource('File', conf)[:content]
    c.respond_to?(:unwrap) ? c.unwrap : c
  end

  it { is_expected.to compile.with_all_deps }
  it { is_expected.to contain_package('keepalived').that_comes_before("File[#{conf}]") }
  it { is_expected.to contain_service('keepalived').with(ensure: 'running', enable: true).that_subscribes_to("File[#{conf}]") }
  it('reloads, never restarts, on a config change') { is_expected.to contain_service('keepalived').with(restart: '/bin/systemctl reload keepalived', provider: nil) }
  it { is_expected.to contain_file(conf).with(owner: 'root', group: 'root', mode: '0640', validate_cmd: '/usr/sbin/keepalived -l -t -f %') }
  it { is_expected.to contain_file('/etc/keepalived').with_ensure('directory') }

  it('starts every node as BACKUP') { expect(content).to match(%r{^  state BACKUP$}) }
  it { expect(content).not_to match(%r{MASTER}) }
  it { expect(content).to match(%r{^vrrp_instance gluster_vip \{$}) }
  it { expect(content).to match(%r{^  interface eth0$}) }
  it('derives virtual_router_id from the VIP, not 51') { expect(content).to match(%r{^  virtual_router_id 159$}) }
  it { expect(content).to match(%r{^  advert_int 1$}) }
  it { expect(content).to match(%r{^  version 3$}) }
  it { expect(content).to match(%r{^  nopreempt$}) }
  it { expect(content).to match(%r{^    203\.0\.113\.10/32 dev eth0$}) }
  it { expect(content).to match(%r{^  router_id n1$}) }
  it { expect(content).not_to match(%r{authentication|unicast|enable_script_security|notify}) }

  { 'n1' => 200, 'n2' => 190, 'n3' => 180 }.each do |node, priority|
    context "on #{node} of [n3, n1, n2]" do
      let(:params) { base.merge(node_name: node) }

      it("gets priority #{priority}, from the sorted list") { expect(content).to match(%r{^  priority #{priority}$}) }
    end
  end

  context 'with the harness settings: VRRPv3, advert_int 0.1, unicast, no package, no service' do
    let(:conf) { '/srv/pv/n2/keepalived.conf' }
    let(:params) do
      {
        nodes: ['198.51.100.1', '198.51.100.2', '198.51.100.3'], node_name: '198.51.100.2', vip: '203.0.113.10',
        interface: 'eth0', advert_int: 0.1, unicast_src_ip: '198.51.100.2', unicast_peers: ['198.51.100.1', '198.51.100.3'],
        config_file: conf, manage_package: false, manage_service: false, virtual_router_id: 77
      }
    end

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_package('keepalived') }
    it { is_expected.not_to contain_service('keepalived') }
    it { is_expected.to contain_file('/srv/pv/n2').with_ensure('directory') }
    it { expect(content).to match(%r{^  priority 190$}) }
    it { expect(content).to match(%r{^  advert_int 0\.1$}) }
    it { expect(content).to match(%r{^  unicast_src_ip 198\.51\.100\.2$}) }
    it { expect(content).to match(%r{^  unicast_peer \{\n    198\.51\.100\.1\n    198\.51\.100\.3\n  \}$}) }
    it { expect(content).to match(%r{^  virtual_router_id 77$}) }
  end

  context 'with an IPv6 VIP' do
    let(:params) { base.merge(vip: '2001:db8::10', unicast_src_ip: '2001:db8::1', unicast_peers: ['2001:db8::2', '2001:db8::3'], advert_int: 0.1) }

    it { expect(content).to match(%r{^    2001:db8::10/128 dev eth0$}) }
  end

  context 'with VRRPv2 and a password' do
    let(:params) { base.merge(vrrp_version: 2, auth_pass: sensitive('s3cret')) }

    it { expect(content).to match(%r{^  version 2$}) }
    it { expect(content).to match(%r{^  authentication \{\n    auth_type PASS\n    auth_pass s3cret\n  \}$}) }
    it('keeps the password out of reports') { expect(catalogue.resource('File', conf).sensitive_parameters).to include(:content) }
  end

  context 'with notify scripts' do
    let(:params) { base.merge(notify_master: '/usr/local/bin/vip-changed master', notify_script: '/usr/local/bin/vip-log') }

    it { expect(content).to match(%r{^  enable_script_security$}) }
    it { expect(content).to match(%r{^  script_user root$}) }
    it { expect(content).to match(%r{^  notify_master "/usr/local/bin/vip-changed master"$}) }
    it { expect(content).to match(%r{^  notify "/usr/local/bin/vip-log"$}) }
  end

  context 'with nopreempt => false, a fixed priority and a prefix' do
    let(:params) { base.merge(nopreempt: false, priority: 42, vip_prefix: 24, instance_name: 'VI_gv0', router_id: 'gv-n1') }

    it { expect(content).not_to match(%r{nopreempt}) }
    it { expect(content).to match(%r{^  priority 42$}) }
    it { expect(content).to match(%r{^    203\.0\.113\.10/24 dev eth0$}) }
    it { expect(content).to match(%r{^vrrp_instance VI_gv0 \{$}) }
    it { expect(content).to match(%r{^  router_id gv-n1$}) }
  end

  context 'with validate => false' do
    let(:params) { base.merge(validate: false) }

    it { is_expected.to contain_file(conf).without_validate_cmd }
  end

  context 'without interface' do
    let(:params) { base.reject { |k, _| k == :interface } }

    it("uses the node's primary interface") { expect(content).to match(%r{^  interface eth0$}) }
  end

  context 'without node_name' do
    let(:params) { base.merge(nodes: ['n2.example.test', 'n1.example.test']).reject { |k, _| k == :node_name } }

    it('finds this node by its fqdn') { expect(content).to match(%r{^  priority 200$}) }
  end

  context 'without vip' do
    let(:params) { base.reject { |k, _| k == :vip } }
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.44' }" }

    it('takes the vip of class gluster_vip') { expect(content).to match(%r{^    203\.0\.113\.44/32 dev eth0$}) }
  end

  context 'with gluster_vip in mode all' do
    let(:params) { base.reject { |k, _| k == :vip } }
    let(:pre_condition) { "class { 'gluster_vip': vip => '' }" }

    it { is_expected.to compile.and_raise_error(%r{vip '' is not a bare IPv4 or IPv6 address \(keepalived needs one\)}) }
  end

  context 'with an IPv6 VIP, however it is capitalised' do
    let(:params) { base.merge(vip: '2001:DB8::10') }

    it('derives the same id as from 2001:db8::10') { expect(content).to match(%r{^  virtual_router_id 114$}) }
  end

  context 'with the service managed by its pidfile (provider base, as in the namespace harness)' do
    let(:conf) { "/srv/n 1/it's/keepalived.conf" }
    let(:pid) { "/srv/n 1/it's/keepalived.pid" }
    let(:params) { base.merge(config_file: conf, pidfile: pid, service_provider: 'base', manage_package: false) }
    let(:service) { catalogue.resource('Service', 'keepalived') }

    def sh_quote(str)
      "'#{str.gsub("'") { "'\\''" }}'"
    end

    it { is_expected.to contain_service('keepalived').with(ensure: 'running', enable: nil, provider: 'base', hasstatus: true) }

    it 'starts keepalived with every pidfile next to the given one, each argument quoted' do
      expect(service[:start]).to eq(
        "'/usr/sbin/keepalived' '-f' '/srv/n 1/it'\\''s/keepalived.conf' '-p' '/srv/n 1/it'\\''s/keepalived.pid' " \
        "'-r' '/srv/n 1/it'\\''s/keepalived_vrrp.pid' '-c' '/srv/n 1/it'\\''s/keepalived_checkers.pid' " \
        "'-b' '/srv/n 1/it'\\''s/keepalived_bfd.pid'",
      )
    end

    it('reloads with SIGHUP') { expect(service[:restart]).to match(%r{kill -HUP}) }
    it('stops with SIGTERM') { expect(service[:stop]).to match(%r{kill -TERM}) }

    # The commands run through sh: run them for real on a pidfile path with a space and a quote.
    it 'has a status command that finds a live pid and refuses a dead one, whatever the path' do
      Dir.mktmpdir('gv status') do |dir|
        pidfile = File.join(dir, "it's a pid")
        status = service[:status].sub(sh_quote(pid)) { sh_quote(pidfile) }
        expect(status).not_to eq(service[:status])
        sleeper = Process.spawn('sleep', '30')
        begin
          File.write(pidfile, "#{sleeper}\n")
          expect(system(status, out: File::NULL, err: File::NULL)).to be(true)
        ensure
          Process.kill('KILL', sleeper)
          Process.wait(sleeper)
        end
        expect(system(status, out: File::NULL, err: File::NULL)).to be(false)
        File.delete(pidfile)
        expect(system(status, out: File::NULL, err: File::NULL)).to be(false)
      end
    end

    it 'has a reload command that sends SIGHUP to the pid in the pidfile' do
      Dir.mktmpdir('gv reload') do |dir|
        pidfile = File.join(dir, "it's a pid")
        marker = File.join(dir, 'hup')
        reload = service[:restart].sub(sh_quote(pid)) { sh_quote(pidfile) }
        ready = File.join(dir, 'ready')
        # A Ruby child, not sh: sh can't trap a signal that was ignored when it started (under nohup,
        # SIGHUP is), and the child says when its trap is in place.
        child = Process.spawn(RbConfig.ruby, '-e', 'Signal.trap("HUP") { File.write(ARGV[0], "hup\n"); exit!(0) }; File.write(ARGV[1], ""); sleep 30',
                              marker, ready)
        begin
          File.write(pidfile, "#{child}\n")
          Timeout.timeout(10) { sleep 0.02 until File.exist?(ready) }
          expect(system(reload)).to be(true)
          Timeout.timeout(5) { Process.wait(child) }
        ensure
          Process.kill('KILL', child) rescue nil # rubocop:disable Style/RescueModifier
        end
        expect(File.read(marker)).to eq("hup\n")
      end
    end
  end

  context 'with commands of your own' do
    let(:params) { base.merge(service_provider: 'base', service_start: '/usr/local/bin/ka-start', service_status: '/usr/local/bin/ka-status', service_reload: '/usr/local/bin/ka-reload') }

    it { is_expected.to contain_service('keepalived').with(start: '/usr/local/bin/ka-start', status: '/usr/local/bin/ka-status', restart: '/usr/local/bin/ka-reload') }
  end

  context 'with service_provider => systemd and another service name' do
    let(:params) { base.merge(service_provider: 'systemd', service_name: 'keepalived-gv') }

    it { is_expected.to contain_service('keepalived-gv').with(provider: 'systemd', restart: '/bin/systemctl reload keepalived-gv', start: nil) }
  end

  context 'with class gluster_vip declared first' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }

    it('turns its keepalived liveness check on with the pidfile') do
      is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').with_content(%r{^keepalived_pidfile = /run/keepalived\.pid$})
    end
    it { is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').with_content(%r{^vip = 203\.0\.113\.10$}) }

    context 'and a pidfile of its own' do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', keepalived_pidfile => '/run/other.pid' }" }

      it { is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').with_content(%r{^keepalived_pidfile = /run/other\.pid$}) }
    end

    context "and keepalived_pidfile => ''" do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', keepalived_pidfile => '' }" }

      it { is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').without_content(%r{keepalived_pidfile}) }
    end

    context 'and manage_service => false without a pidfile (keepalived started some other way)' do
      let(:params) { base.merge(manage_service: false) }

      it { is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').without_content(%r{keepalived_pidfile}) }
    end

    context 'and manage_service => false with a pidfile' do
      let(:params) { base.merge(manage_service: false, pidfile: '/srv/n1/keepalived.pid') }

      it { is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').with_content(%r{^keepalived_pidfile = /srv/n1/keepalived\.pid$}) }
    end
  end

  context 'without vip, taken from class gluster_vip declared first' do
    let(:params) { base.reject { |k, _| k == :vip } }
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.44' }" }

    it { is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').with_content(%r{^keepalived_pidfile = /run/keepalived\.pid$}) }
  end

  describe 'the quorum track script' do
    let(:peers) { "peers => ['198.51.100.1', '198.51.100.2', '198.51.100.3']" }
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', #{peers} }" }
    let(:facts) { gluster_vip_fact }
    let(:binary) { gluster_vip_fact['gluster_vip']['command'] }

    # Puppet's log messages of the compilation (warning() and friends).
    def compile_logs
      logs = []
      Puppet::Util::Log.with_destination(Puppet::Test::LogCollector.new(logs)) { catalogue }
      logs.map(&:to_s)
    end

    shared_examples 'no quorum script' do
      it { is_expected.to compile.with_all_deps }
      it { expect(content).not_to match(%r{vrrp_script|track_script|quorum|enable_script_security|script_user}) }
    end

    context 'with class gluster_vip declared first, with peers' do
      it { is_expected.to compile.with_all_deps }

      it 'defines the script before the instance: the binary, the config, weight 0 (unset), as root' do
        expect(content).to include(<<~CONF)
          }

          # Exits 0 while a strict majority of gluster_vip's peers answers on the link. Weight 0: its
          # failures put the instance in FAULT, so a node cut off from the majority drops the VIP. Root:
          # the probe needs raw sockets.
          vrrp_script gluster_vip_quorum {
            script "#{binary} quorum --config=/etc/gluster-vip/gluster-vip.conf --interface=eth0"
            interval 1
            timeout 3
            fall 2
            rise 2
            user root
          }

          vrrp_instance gluster_vip {
        CONF
      end

      it('tracks it in the instance, one name a line') do
        expect(content).to match(%r{^  virtual_ipaddress \{\n    203\.0\.113\.10/32 dev eth0\n  \}\n  track_script \{\n    gluster_vip_quorum\n  \}\n\}\n\z})
      end
      it { expect(content).not_to match(%r{weight|init_fail}) }
      it('turns script security on with only the track script') { expect(content).to match(%r{^global_defs \{\n  router_id n1\n  enable_script_security\n  script_user root\n\}$}) }
      it('has no notify script') { expect(content).not_to match(%r{notify}) }
      it('logs no warning') { expect(compile_logs.grep(%r{track_quorum})).to be_empty }
    end

    context 'with vip unset, so this class includes gluster_vip (declared first with peers)' do
      let(:params) { base.reject { |k, _| k == :vip } }

      it { expect(content).to match(%r{^  track_script \{\n    gluster_vip_quorum\n  \}$}) }
    end

    context 'with another gluster_vip config file' do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', #{peers}, config_file => '/srv/n1/gv.conf' }" }

      it { expect(content).to match(%r{^  script "#{Regexp.escape(binary)} quorum --config=/srv/n1/gv\.conf --interface=eth0"$}) }
    end

    context 'without the gluster_vip fact (pluginsync has not run)' do
      let(:facts) { {} }

      it('runs the dispatcher where pluginsync puts it') { expect(content).to match(%r{^  script "/\S+/facts\.d/gluster_vip quorum --config=/etc/gluster-vip/gluster-vip\.conf --interface=\S+"$}) }
    end

    context 'with a script_user for the notify scripts' do
      let(:params) { base.merge(script_user: 'keepalived_script', notify_master: '/usr/local/bin/vip-changed master') }

      it { expect(content).to match(%r{^  script_user keepalived_script$}) }
      it('still runs the probe as root (raw sockets)') { expect(content).to match(%r{^vrrp_script gluster_vip_quorum \{\n(    .*\n|  .*\n)*  user root\n\}$}) }
      it { expect(content).to match(%r{^  notify_master "/usr/local/bin/vip-changed master"$}) }
    end

    context 'with other timings' do
      let(:params) { base.merge(quorum_interval: 2, quorum_timeout: 5, quorum_fall: 3, quorum_rise: 4) }

      it { expect(content).to match(%r{^  interval 2\n  timeout 5\n  fall 3\n  rise 4\n  user root$}) }
    end

    context 'with nopreempt => false' do
      let(:params) { base.merge(nopreempt: false) }

      it 'warns that the returning node takes the VIP back after a heal' do
        expect(compile_logs.grep(%r{track_quorum with nopreempt => false: after a partition heals, the returning node .* preempts and takes the VIP back .* a non-idempotent guarded operation a second time})).not_to be_empty
      end
      it { expect(content).to match(%r{^  track_script \{$}) }
    end

    context 'with nopreempt => false and track_quorum => false' do
      let(:params) { base.merge(nopreempt: false, track_quorum: false) }

      it('does not warn') { expect(compile_logs.grep(%r{nopreempt})).to be_empty }
    end

    context 'with track_quorum => false' do
      let(:params) { base.merge(track_quorum: false) }

      include_examples 'no quorum script'
    end

    context 'with class gluster_vip without peers' do
      let(:peers) { 'peers => []' }

      include_examples 'no quorum script'
    end

    context 'with class gluster_vip under backend etcd' do
      let(:pre_condition) { "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['https://198.51.100.11:2379'] }" }

      include_examples 'no quorum script'
    end

    context 'without class gluster_vip' do
      let(:pre_condition) { '' }

      include_examples 'no quorum script'
    end

    # The default reads class gluster_vip as evaluated so far: declared after this class, it is
    # not seen (see the class docs).
    context 'with class gluster_vip declared after this class' do
      let(:pre_condition) { '' }
      let(:post_condition) { "class { 'gluster_vip': vip => '203.0.113.10', #{peers} }" }

      include_examples 'no quorum script'
    end

    {
      'without class gluster_vip' => [
        '', %r{track_quorum => true needs class gluster_vip, whose config file holds the peers .* declare it before this class \(or leave vip unset, so that this class includes it\), or set track_quorum => false}
      ],
      'with class gluster_vip without peers' => [
        "class { 'gluster_vip': vip => '203.0.113.10' }",
        %r{track_quorum => true needs the quorum's members, but class gluster_vip has no peers: .* give gluster_vip::peers \(every node's address\), or set track_quorum => false}
      ],
      'with class gluster_vip under backend etcd' => [
        "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['https://198.51.100.11:2379'] }",
        %r{track_quorum => true needs class gluster_vip's backend vrrp, but it is etcd: .* set track_quorum => false}
      ],
    }.each do |what, (declared, error)|
      context "with track_quorum => true #{what}" do
        let(:pre_condition) { declared }
        let(:params) { base.merge(track_quorum: true) }

        it { is_expected.to compile.and_raise_error(error) }
      end
    end

    # Both paths go inside one double-quoted keepalived string, split on spaces: refused, named.
    # Each case: the config_file as Puppet code (or nil), the fact's command (or nil), the error.
    {
      'a config_file with a space' => [
        "'/srv/n 1/gv.conf'", nil, %r{gluster_vip::config_file '/srv/n 1/gv\.conf' can't be written to the quorum script in keepalived\.conf: use a path}
      ],
      'a config_file with a single quote' => [%q("/srv/it's/gv.conf"), nil, %r{gluster_vip::config_file '/srv/it\\'s/gv\.conf' can't be written}],
      'a config_file with a double quote' => [%q('/srv/"/gv.conf'), nil, %r{gluster_vip::config_file '/srv/"/gv\.conf' can't be written}],
      'a config_file with a brace' => ["'/srv/}/gv.conf'", nil, %r{gluster_vip::config_file '/srv/\}/gv\.conf' can't be written}],
      'a binary path with a space' => [
        nil, '/opt/gluster vip/gluster-vip',
        %r{the gluster-vip binary \(gluster_vip::command\(\), the gluster_vip fact's command\) '/opt/gluster vip/gluster-vip' can't be written}
      ],
      'a binary path with a comment mark' => [nil, '/opt/gv#/gluster-vip', %r{the gluster-vip binary .* '/opt/gv#/gluster-vip' can't be written}],
    }.each do |what, (config_file, command, error)|
      context "with #{what}" do
        let(:pre_condition) do
          "class { 'gluster_vip': vip => '203.0.113.10', #{peers}#{config_file && ", config_file => #{config_file}"} }"
        end
        let(:facts) { command ? gluster_vip_fact('command' => command) : gluster_vip_fact }

        it { is_expected.to compile.and_raise_error(error) }
      end
    end

    context 'with a fact command that is no absolute path (a newline)' do
      let(:facts) { gluster_vip_fact('command' => "/opt/gv\n}/gluster-vip") }

      it('runs the dispatcher instead (gluster_vip::command())') { expect(content).to match(%r{^  script "/\S+/facts\.d/gluster_vip quorum --config=\S+ --interface=\S+"$}) }
      it { expect(content).not_to match(%r{/opt/gv}) }
    end

    context 'with a bad path and track_quorum => false' do
      let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10', #{peers}, config_file => '/srv/n 1/gv.conf' }" }
      let(:params) { base.merge(track_quorum: false) }

      it { is_expected.to compile.with_all_deps }
    end

    {
      'quorum_interval 0' => { quorum_interval: 0 },
      'quorum_interval 61' => { quorum_interval: 61 },
      'quorum_timeout 0' => { quorum_timeout: 0 },
      'quorum_fall 0' => { quorum_fall: 0 },
      'quorum_rise 11' => { quorum_rise: 11 },
      "track_quorum 'yes'" => { track_quorum: 'yes' },
    }.each do |what, override|
      context "with #{what}" do
        let(:params) { base.merge(override) }

        it { is_expected.to compile.and_raise_error(%r{#{override.keys.first}}) }
      end
    end
  end

  context 'with a notify script that spells the state file with a space' do
    let(:params) { base.merge(notify_script: "/usr/local/bin/vip-log '/var/log/vip state'") }

    it { expect(content).to match(%r{^  notify "/usr/local/bin/vip-log '/var/log/vip state'"$}) }
  end

  # keepalived.conf has no escapes: every string that reaches it is refused if it could change
  # the config's structure, with the parameter named.
  {
    'a notify script with a double quote' => [{ notify_master: '/bin/echo "x' }, %r{notify_master '/bin/echo "x' can't be written to keepalived\.conf.*no escape}],
    'a notify script with a newline' => [{ notify_script: "/bin/true\n}\nvrrp_instance evil {" }, %r{notify_script "/bin/true\\n\}\\nvrrp_instance evil \{" can't be written}],
    'a notify script with a closing brace' => [{ notify_backup: '/bin/true }' }, %r{notify_backup '/bin/true \}' can't be written}],
    'a notify script with a comment mark' => [{ notify_fault: '/bin/true # x' }, %r{notify_fault '/bin/true # x' can't be written}],
    'a notify script with a backslash' => [{ notify_stop: '/bin/echo \\"' }, %r{notify_stop '/bin/echo \\"' can't be written}],
    'a relative notify script' => [{ notify_master: 'vip-changed' }, %r{notify_master 'vip-changed' can't be written.*absolute path}],
    'a router_id with a space' => [{ router_id: 'gv n1' }, %r{router_id 'gv n1' can't be written to keepalived\.conf: use one word}],
    'a node_name with a newline (the router_id)' => [{ node_name: "n1\n}", nodes: ["n1\n}"] }, %r{router_id "n1\\n\}" can't be written}],
    'an interface with a brace' => [{ interface: 'eth0{' }, %r{interface 'eth0\{' can't be written}],
    'a script_user with a quote' => [{ notify_master: '/bin/true', script_user: 'root"' }, %r{script_user 'root"' can't be written}],
  }.each do |what, (override, error)|
    context "with #{what}" do
      let(:params) { base.merge(override) }

      it { is_expected.to compile.and_raise_error(error) }
    end
  end

  context 'with a password that has a space' do
    let(:params) { base.merge(vrrp_version: 2, auth_pass: sensitive('a b')) }

    it { is_expected.to compile.and_raise_error(%r{auth_pass can't be written to keepalived\.conf}) }
    it('does not show it') { is_expected.not_to compile.and_raise_error(%r{a b}) }
  end

  {
    'a node that is not in nodes' => [{ node_name: 'n9' }, %r{node 'n9' is not in nodes \[n1, n2, n3\]}],
    'a node listed twice' => [{ nodes: ['n1', 'n2', 'n1'] }, %r{list a node more than once}],
    'VRRPv3 with a password' => [{ auth_pass: 'secret' }, %r{VRRPv3 has no authentication}],
    'VRRPv2 with a fractional advert_int' => [{ vrrp_version: 2, advert_int: 0.1 }, %r{VRRPv2 takes whole seconds, not advert_int 0\.1}],
    'an IPv6 VIP with VRRPv2' => [{ vip: '2001:db8::10', vrrp_version: 2 }, %r{IPv6 vip 2001:db8::10 needs vrrp_version 3}],
    'IPv4 unicast peers for an IPv6 VIP' => [{ vip: '2001:db8::10', unicast_peers: ['198.51.100.2'] }, %r{unicast address 198\.51\.100\.2 is not of the vip's family}],
    'an IPv4 prefix longer than 32' => [{ vip_prefix: 64 }, %r{vip_prefix 64 is too long for IPv4}],
    'a VIP with a prefix' => [{ vip: '203.0.113.10/24' }, %r{vip '203\.0\.113\.10/24' is not a bare}],
    'a password longer than 8' => [{ vrrp_version: 2, auth_pass: '123456789' }, %r{auth_pass}],
    'a virtual_router_id of 0' => [{ virtual_router_id: 0 }, %r{virtual_router_id}],
    'too many nodes for the priority range' => [{ nodes: (1..30).map { |i| format('n%02d', i) }, node_name: 'n01' }, %r{30 nodes do not fit below base 200 with step 10}],
  }.each do |what, (override, error)|
    context "with #{what}" do
      let(:params) { base.merge(override) }

      it { is_expected.to compile.and_raise_error(error) }
    end
  end
end
