# frozen_string_literal: true

require 'spec_helper'

# The example consumer in modules/: puppet-gluster's "create the volume once".
describe 'gluster_volume_example' do
  let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }
  let(:params) { { volume: 'gv0', replica: 2, bricks: ['n1:/bricks/gv0', 'n2:/bricks/gv0'] } }
  let(:cli) { ['/usr/sbin/gluster', '--mode=script'] }
  let(:flags) { ['--config=/etc/gluster-vip/gluster-vip.conf', '--vip=203.0.113.10'] }
  # gluster_vip::exec runs the command through `gluster-vip run`, which decides again.
  let(:run) { [gluster_vip_fact['gluster_vip']['command'], 'run'] + flags + ['--'] }

  context 'on the holder' do
    let(:facts) { gluster_vip_fact('holder' => true) }

    it { is_expected.to compile.with_all_deps }

    it 'creates the volume, guarded, once' do
      is_expected.to contain_gluster_vip__exec('gluster volume create gv0').with(
        command: cli + ['volume', 'create', 'gv0', 'replica', '2', 'n1:/bricks/gv0', 'n2:/bricks/gv0'],
        unless: [cli + ['volume', 'info', 'gv0']],
      )
    end

    it 'checks the holder before it creates' do
      onlyif = catalogue.resource('Exec', 'gluster volume create gv0')[:onlyif]
      expect(onlyif).to eq([[gluster_vip_fact['gluster_vip']['command'], 'check'] + flags])
    end

    it 'creates it through gluster-vip run' do
      is_expected.to contain_exec('gluster volume create gv0').with_command(run + cli + ['volume', 'create', 'gv0', 'replica', '2', 'n1:/bricks/gv0', 'n2:/bricks/gv0'])
    end

    it 'starts it after it is created' do
      is_expected.to contain_exec('gluster volume start gv0').that_requires('Gluster_vip::Exec[gluster volume create gv0]')
    end
  end

  context 'on a node whose fact says it does not hold' do
    let(:facts) { gluster_vip_fact('holder' => false) }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.not_to contain_exec('gluster volume create gv0') }
    it { is_expected.not_to contain_exec('gluster volume start gv0') }
  end

  context 'with start => false and no replica' do
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:params) { { volume: 'gv1', start: false, bricks: ['n1:/bricks/gv1'] } }

    it { is_expected.to contain_exec('gluster volume create gv1').with_command(run + cli + ['volume', 'create', 'gv1', 'n1:/bricks/gv1']) }
    it { is_expected.not_to contain_gluster_vip__exec('gluster volume start gv1') }
  end
end
