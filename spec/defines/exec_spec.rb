# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::exec' do
  let(:title) { 'create volume gv0' }
  let(:binary) { '/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-linux-amd64' }
  let(:gluster_vip_params) { "vip => '203.0.113.10'" }
  let(:pre_condition) { "class { 'gluster_vip': #{gluster_vip_params} }" }
  let(:params) { { command: ['/usr/sbin/gluster', 'volume', 'create', 'gv0'] } }
  let(:check) { [binary, 'check', '--config=/etc/gluster-vip/gluster-vip.conf', '--vip=203.0.113.10'] }

  def onlyif
    catalogue.resource('Exec', title)[:onlyif]
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

    it 'passes the command and the usual exec parameters through' do
      is_expected.to contain_exec(title).with(
        command: ['/usr/sbin/gluster', 'volume', 'create', 'gv0'],
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
       probe => '0s', keepalived_pidfile => '/run/keepalived.pid', config_file => '/srv/n1/gluster-vip.conf'"
    end
    let(:facts) { gluster_vip_fact('holder' => true, 'vip' => '2001:db8::10') }

    it 'passes each of them as a flag, so an older config file on disk does not matter' do
      expect(onlyif).to eq([[binary, 'check', '--config=/srv/n1/gluster-vip.conf', '--vip=2001:db8::10', '--mode=vip',
                             '--interface=eth0', '--settle=0s', '--peers=2001:db8::1,2001:db8::2', '--probe=0s',
                             '--keepalived_pidfile=/run/keepalived.pid']])
    end
  end

  context "with the user's own guards" do
    let(:facts) { gluster_vip_fact('holder' => true) }

    context 'and onlyif as a string' do
      let(:params) { super().merge(onlyif: 'test -d /bricks/gv0') }

      it('runs the holder check first, then theirs') { expect(onlyif).to eq([check, 'test -d /bricks/gv0']) }
    end

    context 'and onlyif as a list of commands' do
      let(:params) { super().merge(onlyif: ['test -d /bricks/gv0', ['/usr/bin/test', '-d', '/bricks/gv1']]) }

      it { expect(onlyif).to eq([check, 'test -d /bricks/gv0', ['/usr/bin/test', '-d', '/bricks/gv1']]) }
    end

    context 'and unless, creates, refreshonly and the rest' do
      let(:params) do
        super().merge(unless: [['/usr/sbin/gluster', 'volume', 'info', 'gv0']], creates: '/var/lib/glusterd/vols/gv0',
                      refreshonly: true, user: 'root', group: 'root', cwd: '/tmp', environment: ['LC_ALL=C'],
                      timeout: 600, tries: 3, try_sleep: 5, logoutput: true, returns: [0, 2], umask: '0022',
                      provider: 'posix', path: '/usr/sbin:/usr/bin')
      end

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

    it { is_expected.to contain_exec(title).with_command(title) }
  end

  context 'without class gluster_vip nor a vip in Hiera' do
    let(:pre_condition) { '' }

    it('fails: a guarded exec needs to know its VIP') { is_expected.to compile.and_raise_error(%r{expects a value for parameter 'vip'}) }
  end

  context 'with a relative creates' do
    let(:params) { super().merge(creates: 'vols/gv0') }

    it { is_expected.to compile.and_raise_error(%r{creates}) }
  end
end
