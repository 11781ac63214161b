# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::exec' do
  let(:title) { 'create volume gv0' }
  let(:binary) { '/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-linux-amd64' }
  let(:gluster_vip_params) { "vip => '203.0.113.10'" }
  let(:pre_condition) { "class { 'gluster_vip': #{gluster_vip_params} }" }
  let(:params) { { command: ['/usr/sbin/gluster', 'volume', 'create', 'gv0'] } }
  let(:check) { [binary, 'check', '--config=/etc/gluster-vip/gluster-vip.conf', '--vip=203.0.113.10'] }
  # `gluster-vip run` with the same flags as the check, then the command after `--`.
  let(:run) { [binary, 'run'] + check[2..-1] + ['--'] }

  def onlyif
    catalogue.resource('Exec', title)[:onlyif]
  end

  def exec_param(name)
    catalogue.resource('Exec', title)[name]
  end

  # Puppet's log messages of the compilation (warning() and friends).
  def compile_logs
    logs = []
    Puppet::Util::Log.with_destination(Puppet::Test::LogCollector.new(logs)) { catalogue }
    logs.map(&:to_s)
  end

  shared_examples 'kept' do
    it('keeps the exec, guarded at apply time') { is_expected.to contain_exec(title).with_onlyif([check]) }
  end

  shared_examples 'dropped' do
    it('leaves the exec out of the catalog') { is_expected.not_to contain_exec(title) }
    it { is_expected.to compile.with_all_deps }
  end

  context 'on a node that holds the VIP' do
    let(:facts) { gluster_vip_fact('holder' => true) }

    it { is_expected.to compile.with_all_deps }
    include_examples 'kept'

    it 'runs the command through `gluster-vip run` and passes the usual exec parameters through' do
      is_expected.to contain_exec(title).with(
        command: run + ['/usr/sbin/gluster', 'volume', 'create', 'gv0'],
        provider: 'posix',
        path: DEBIAN12_FACTS['path'],
        logoutput: 'on_failure',
        refreshonly: false,
      )
    end

    it('writes the config before it runs') { is_expected.to contain_exec(title).that_requires('Class[gluster_vip]') }
  end

  context 'on a node whose up-to-date fact says it does not hold' do
    let(:facts) { gluster_vip_fact('holder' => false) }

    include_examples 'dropped'

    context 'with compile_time_guard => false' do
      let(:params) { super().merge(compile_time_guard: false) }

      include_examples 'kept'
    end
  end

  context 'on the first run of a fresh node (fact: unconfigured)' do
    let(:facts) { gluster_vip_fact('holder' => false, 'mode' => 'unconfigured', 'vip' => nil) }

    include_examples 'kept'
  end

  context 'without the gluster_vip fact (the module was not pluginsynced)' do
    it 'keeps the exec and checks with the dispatcher where pluginsync would put it' do
      expect(onlyif.length).to eq(1)
      expect(onlyif[0][0]).to match(%r{/facts\.d/gluster_vip\z})
      expect(onlyif[0][1..-1]).to eq(check[1..-1])
    end
  end

  context 'when the fact is the dispatcher without a binary for this architecture' do
    let(:facts) do
      gluster_vip_fact('holder' => false, 'mode' => 'unconfigured', 'vip' => nil,
                       'command' => '/var/cache/puppet/facts.d/gluster_vip', 'error' => 'no gluster-vip binary for architecture riscv64')
    end

    it('checks with the dispatcher, whose check exits 2') { is_expected.to contain_exec(title).with_onlyif([['/var/cache/puppet/facts.d/gluster_vip'] + check[1..-1]]) }
  end

  context 'when the catalog moves the VIP (the fact describes another vip)' do
    let(:facts) { gluster_vip_fact('holder' => false, 'vip' => '203.0.113.20') }

    include_examples 'kept'
  end

  context 'when the holder bit is the String "false" (a key=value fact)' do
    let(:facts) { gluster_vip_fact('holder' => 'false') }

    include_examples 'kept'
  end

  context 'with mode master inferred by the binary' do
    let(:facts) { gluster_vip_fact('holder' => false, 'mode' => 'master') }

    include_examples 'dropped'
  end

  context 'on the run that switches to mode master' do
    let(:gluster_vip_params) { "vip => '203.0.113.10', mode => 'master'" }
    let(:facts) { gluster_vip_fact('holder' => false, 'mode' => 'vip') }
    let(:check) { super() + ['--mode=master'] }

    include_examples 'kept'
  end

  context 'in mode master, once the fact agrees' do
    let(:gluster_vip_params) { "vip => '203.0.113.10', mode => 'master'" }
    let(:facts) { gluster_vip_fact('holder' => false, 'mode' => 'master') }

    include_examples 'dropped'
  end

  context 'on the run that switches to mode all (vip => "")' do
    let(:gluster_vip_params) { "vip => ''" }
    let(:facts) { gluster_vip_fact('holder' => false, 'mode' => 'vip') }
    let(:check) { [binary, 'check', '--config=/etc/gluster-vip/gluster-vip.conf', '--vip='] }

    it('passes --vip= with the equals sign, so the empty value stays a value') { is_expected.to contain_exec(title).with_onlyif([check]) }
  end

  context 'in mode all with explicit mode' do
    let(:gluster_vip_params) { "vip => '', mode => 'all'" }
    let(:facts) { gluster_vip_fact('holder' => true, 'mode' => 'all', 'vip' => nil) }
    let(:check) { [binary, 'check', '--config=/etc/gluster-vip/gluster-vip.conf', '--vip=', '--mode=all'] }

    include_examples 'kept'
  end

  context 'with every setting of class gluster_vip' do
    let(:gluster_vip_params) do
      "vip => '2001:db8::10', mode => 'vip', interface => 'eth0', settle => '0s', peers => ['2001:db8::1', '2001:db8::2'],
       probe => '300ms', keepalived_pidfile => '/run/keepalived.pid', config_file => '/srv/n1/gluster-vip.conf'"
    end
    let(:facts) { gluster_vip_fact('holder' => true, 'vip' => '2001:db8::10') }

    it 'passes each of them as a flag, so an older config file on disk does not matter' do
      expect(onlyif).to eq([[binary, 'check', '--config=/srv/n1/gluster-vip.conf', '--vip=2001:db8::10', '--mode=vip',
                             '--interface=eth0', '--settle=0s', '--peers=2001:db8::1,2001:db8::2', '--probe=300ms',
                             '--keepalived_pidfile=/run/keepalived.pid']])
    end
  end

  context "with the user's own guards" do
    let(:facts) { gluster_vip_fact('holder' => true) }

    context 'and onlyif as a string' do
      let(:params) { super().merge(onlyif: 'test -d /bricks/gv0') }

      it('runs theirs first and the holder check last (item 4)') { expect(onlyif).to eq(['test -d /bricks/gv0', check]) }
    end

    context 'and onlyif as a list of commands' do
      let(:params) { super().merge(onlyif: ['test -d /bricks/gv0', ['/usr/bin/test', '-d', '/bricks/gv1']]) }

      it { expect(onlyif).to eq(['test -d /bricks/gv0', ['/usr/bin/test', '-d', '/bricks/gv1'], check]) }
    end

    context 'and unless, creates, refreshonly and the rest' do
      let(:params) do
        super().merge(unless: [['/usr/sbin/gluster', 'volume', 'info', 'gv0']], creates: '/var/lib/glusterd/vols/gv0',
                      refreshonly: true, user: 'root', group: 'root', cwd: '/tmp', environment: ['LC_ALL=C'],
                      timeout: 600, tries: 3, try_sleep: 5, logoutput: true, returns: [0, 2], umask: '0022',
                      provider: 'posix', path: '/usr/sbin:/usr/bin')
      end
      let(:gluster_vip_params) { "vip => '203.0.113.10', probe => '0s'" }
      let(:check) { super() + ['--probe=0s'] }

      it 'passes them through unchanged' do
        is_expected.to contain_exec(title).with(
          unless: [['/usr/sbin/gluster', 'volume', 'info', 'gv0']], creates: '/var/lib/glusterd/vols/gv0',
          refreshonly: true, user: 'root', group: 'root', cwd: '/tmp', environment: ['LC_ALL=C'],
          timeout: 600, tries: 3, try_sleep: 5, logoutput: true, returns: [0, 2], umask: '0022',
          provider: 'posix', path: '/usr/sbin:/usr/bin', onlyif: [check],
        )
      end
    end
  end

  context 'with the command in the title' do
    let(:title) { '/usr/sbin/gluster volume start gv0' }
    let(:params) { {} }
    let(:facts) { gluster_vip_fact('holder' => true) }

    it('runs the title through /bin/sh -c') { is_expected.to contain_exec(title).with_command(run + ['/bin/sh', '-c', title]) }
  end

  context 'without class gluster_vip nor a vip in Hiera' do
    let(:pre_condition) { '' }

    it('fails: a guarded exec needs to know its VIP') { is_expected.to compile.and_raise_error(%r{gluster_vip: backend vrrp needs a vip}) }
  end

  context 'with a relative creates' do
    let(:params) { super().merge(creates: 'vols/gv0') }

    it { is_expected.to compile.and_raise_error(%r{creates}) }
  end

  # Issue 10, item 1: Puppet's shell provider flattens an array onlyif into one `sh -c` string, so
  # `check` became $0 and the binary printed the fact and exited 0 on every node.
  context "with provider => 'shell'" do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) do
      { command: 'gluster volume create gv0 && touch /var/lib/gv0.done', provider: 'shell',
        onlyif: ['test -d /bricks/gv0', ['test -d "$0"', '/bricks/gv1']], unless: 'gluster volume info gv0' }
    end

    it('gives Puppet the posix provider, which runs arrays as they are') { is_expected.to contain_exec(title).with_provider('posix') }

    it 'runs the command through run, then /bin/sh -c' do
      is_expected.to contain_exec(title).with_command(run + ['/bin/sh', '-c', 'gluster volume create gv0 && touch /var/lib/gv0.done'])
    end

    it "runs the user's checks through /bin/sh -c as Puppet's shell provider does, and the holder check, an array, last" do
      expect(onlyif).to eq([['/bin/sh', '-c', 'test -d /bricks/gv0'], ['/bin/sh', '-c', 'test -d "$0"', '/bricks/gv1'], check])
      expect(exec_param(:unless)).to eq([['/bin/sh', '-c', 'gluster volume info gv0']])
    end

    it('leaves no command a string that a shell provider could flatten') { expect(onlyif).to all(be_an(Array)) }

    context 'and an array command' do
      let(:params) { super().merge(command: ['echo created >>/var/log/gv0', 'ignored-as-$0']) }

      it('runs it as /bin/sh -c FIRST REST, as the shell provider does') do
        is_expected.to contain_exec(title).with_command(run + ['/bin/sh', '-c', 'echo created >>/var/log/gv0', 'ignored-as-$0'])
      end
    end
  end

  # Item 2: Puppet's tries re-run only the command, so the command itself decides again.
  context 'with tries' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { { command: 'gluster volume start gv0', tries: 3, try_sleep: 2 } }

    it 'makes every try a fresh `run`, a string command through /bin/sh -c' do
      is_expected.to contain_exec(title).with(command: run + ['/bin/sh', '-c', 'gluster volume start gv0'], tries: 3, try_sleep: 2)
    end

    it('keeps the apply-time check, so a non-holder skips quietly instead of failing with 124') { expect(onlyif).to eq([check]) }
  end

  context 'with the settings of class gluster_vip' do
    let(:gluster_vip_params) { "vip => '2001:db8::10', settle => '0s', probe => '0s', config_file => '/srv/n1/gluster-vip.conf'" }
    let(:facts) { gluster_vip_fact('holder' => true, 'vip' => '2001:db8::10') }

    it 'gives `run` the same flags as `check`, before the --' do
      expect(exec_param(:command)).to eq([binary, 'run', '--config=/srv/n1/gluster-vip.conf', '--vip=2001:db8::10', '--settle=0s',
                                          '--probe=0s', '--', '/usr/sbin/gluster', 'volume', 'create', 'gv0'])
    end
  end

  # Item 6: the probes need root.
  context 'with user' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { super().merge(user: 'app') }
    let(:refused) { %r{gluster_vip::exec\[create volume gv0\]: user => 'app' can never pass the holder check.*probe => '0s'.*runuser} }

    context 'and the probes at their default (on)' do
      it('fails, and says what to do') { is_expected.to compile.and_raise_error(refused) }
      it('names the default') { is_expected.to compile.and_raise_error(%r{probe unset: the binary default 200ms}) }
    end

    ['200ms', '1s', '0.5s'].each do |probe|
      context "and probe => '#{probe}'" do
        let(:gluster_vip_params) { "vip => '203.0.113.10', probe => '#{probe}'" }

        it { is_expected.to compile.and_raise_error(refused) }
      end
    end

    ['0s', '0', '0ms', '0.0s', '0h0m0s'].each do |probe|
      context "and probe => '#{probe}' (probes off)" do
        let(:gluster_vip_params) { "vip => '203.0.113.10', probe => '#{probe}'" }

        it { is_expected.to contain_exec(title).with_user('app') }
      end
    end

    context 'and the probes off' do
      let(:gluster_vip_params) { "vip => '203.0.113.10', probe => '0s'" }
      let(:can_run) { 'gluster_vip::exec[create volume gv0]: user app can execute gluster-vip' }

      it 'first checks, as the user, that the user can execute the binary, and fails loudly if not' do
        is_expected.to contain_exec(can_run).with(user: 'app', unless: [[binary, 'version']], provider: 'posix')
          .that_comes_before("Exec[#{title}]").that_requires('Class[gluster_vip]')
        expect(catalogue.resource('Exec', can_run)[:command]).to include(%r{cannot execute .*runuser, setpriv})
      end
    end

    context "=> 'root'" do
      let(:params) { super().merge(user: 'root') }

      it { is_expected.to contain_exec(title).with_user('root') }
      it('needs no companion check') { expect(catalogue.resources.map(&:title).grep(%r{can execute})).to be_empty }
    end

    context 'on a node whose fact says it does not hold' do
      let(:facts) { gluster_vip_fact('holder' => false) }

      it('fails there too: every node fails alike') { is_expected.to compile.and_raise_error(refused) }
    end
  end

  context 'with group only (the binary keeps root, so the probes work)' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { super().merge(group: 'app') }

    it { is_expected.to contain_exec(title).with_group('app') }
  end

  # Item 7.
  context 'with refreshonly => true' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { super().merge(refreshonly: true) }

    it 'compiles, with a warning that recommends unless/creates' do
      expect(compile_logs.grep(%r{gluster_vip::exec\[create volume gv0\]: refreshonly => true: a refresh event that reaches this node while it does not hold.*unless or creates})).not_to be_empty
    end

    it { is_expected.to contain_exec(title).with_refreshonly(true) }
  end

  context 'without refreshonly' do
    let(:facts) { gluster_vip_fact('holder' => true) }

    it('logs no warning') { expect(compile_logs.grep(%r{refreshonly})).to be_empty }
  end

  # Item 8.
  context 'with refresh' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { super().merge(refresh: ['/usr/sbin/gluster', 'volume', 'heal', 'gv0']) }

    it('wraps it in `run` too') { is_expected.to contain_exec(title).with_refresh(run + ['/usr/sbin/gluster', 'volume', 'heal', 'gv0']) }

    context 'as a string under the shell provider' do
      let(:params) { super().merge(refresh: 'gluster volume heal gv0 full', provider: 'shell') }

      it { is_expected.to contain_exec(title).with_refresh(run + ['/bin/sh', '-c', 'gluster volume heal gv0 full']) }
    end
  end

  context 'with a Sensitive command' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:pre_condition) do
      super() + "\ngluster_vip::exec { 'secret': command => Sensitive(['/usr/sbin/gluster', 'volume', 'set', 'gv0', 'auth.password', 's3cret']), " \
                "refresh => Sensitive('gluster volume set gv0 auth.password s3cret') }"
    end
    let(:params) { super() }

    # The catalog carries a Sensitive value unwrapped, with its name in sensitive_parameters; the
    # agent then redacts the command, its checks and its output in logs and reports.
    it 'keeps the whole exec command Sensitive, with run in front' do
      resource = catalogue.resource('Exec', 'secret')
      expect(resource[:command]).to eq(run + ['/usr/sbin/gluster', 'volume', 'set', 'gv0', 'auth.password', 's3cret'])
      expect(resource.sensitive_parameters).to include(:command)
    end

    it 'keeps a Sensitive refresh Sensitive, wrapped in run' do
      resource = catalogue.resource('Exec', 'secret')
      expect(resource[:refresh]).to eq(run + ['/bin/sh', '-c', 'gluster volume set gv0 auth.password s3cret'])
      expect(resource.sensitive_parameters).to include(:refresh)
    end

    it('leaves a plain command not sensitive') { expect(catalogue.resource('Exec', title).sensitive_parameters).to be_empty }
  end

  context 'with a Float timeout' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { super().merge(timeout: 2.5) }

    it { is_expected.to contain_exec(title).with_timeout(2.5) }
  end

  context 'with a Float try_sleep' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { super().merge(tries: 2, try_sleep: 0.5) }

    it { is_expected.to contain_exec(title).with(tries: 2, try_sleep: 0.5) }
  end

  context 'with a negative timeout' do
    let(:params) { super().merge(timeout: -1.0) }

    it { is_expected.to compile.and_raise_error(%r{timeout}) }
  end

  # Item 9: `run`'s own exit codes must never count as success.
  context 'with returns' do
    let(:facts) { gluster_vip_fact('holder' => true) }

    [124, 125, 126, 127, [0, 124], [0, 2, 127]].each do |returns|
      context "=> #{returns}" do
        let(:params) { super().merge(returns: returns) }

        it 'fails, naming the codes and why' do
          is_expected.to compile.and_raise_error(%r{gluster_vip::exec\[create volume gv0\]: returns \[.*\] includes exit codes 124-127.*did not run})
        end
      end
    end

    [0, [0, 2], [0, 123, 128]].each do |returns|
      context "=> #{returns}" do
        let(:params) { super().merge(returns: returns) }

        it { is_expected.to contain_exec(title).with_returns(returns) }
      end
    end

    context 'on a node whose fact says it does not hold' do
      let(:facts) { gluster_vip_fact('holder' => false) }
      let(:params) { super().merge(returns: [0, 124]) }

      it('fails there too') { is_expected.to compile.and_raise_error(%r{124-127}) }
    end
  end

  context 'with backend etcd' do
    let(:gluster_vip_params) { "backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'], settle => '5s'" }
    let(:check) do
      [binary, 'check', '--config=/etc/gluster-vip/gluster-vip.conf', '--settle=5s', '--backend=etcd', '--etcd_endpoints=http://198.51.100.11:2379']
    end
    let(:etcd_fact) { { 'mode' => 'etcd', 'vip' => nil, 'backend' => 'etcd', 'node_name' => 'gv1', 'held_for' => 12.0,
                        'election' => '/gluster-vip/election', 'etcd_endpoints' => 'http://198.51.100.11:2379' } }

    context 'on the leader' do
      let(:facts) { gluster_vip_fact(etcd_fact.merge('holder' => true)) }

      it { is_expected.to compile.with_all_deps }
      include_examples 'kept'
      it('runs the command through `gluster-vip run` with the etcd settings') { is_expected.to contain_exec(title).with_command(run + params[:command]) }
    end

    context 'on a follower whose up-to-date fact says it does not hold' do
      let(:facts) { gluster_vip_fact(etcd_fact.merge('holder' => false)) }

      include_examples 'dropped'
    end

    context 'on the run that moves to another election (the fact is of the old one)' do
      let(:facts) { gluster_vip_fact(etcd_fact.merge('holder' => false, 'election' => '/gv/old')) }

      include_examples 'kept'
    end

    context 'on the run that switches from vrrp (the fact is a VRRP fact)' do
      let(:facts) { gluster_vip_fact('holder' => false) }

      include_examples 'kept'
    end

    context 'when the fact names another node_name than the catalog' do
      let(:gluster_vip_params) { "backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'], settle => '5s', node_name => 'gv2'" }
      let(:check) { super() + ['--node_name=gv2'] }
      let(:facts) { gluster_vip_fact(etcd_fact.merge('holder' => false)) }

      include_examples 'kept'
    end

    context 'with user' do
      let(:facts) { gluster_vip_fact(etcd_fact.merge('holder' => true)) }
      let(:params) { super().merge(user: 'app') }

      it 'fails: the daemon answers root only' do
        is_expected.to compile.and_raise_error(%r{user => 'app' can never pass the holder check: under backend etcd.*only root.*runuser})
      end
    end
  end
end
