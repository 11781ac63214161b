# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::fact_holds' do
  def check(name, ok = true)
    { 'name' => name, 'ok' => ok }
  end

  let(:vip) { { 'vip' => '203.0.113.10' } }
  let(:probes_off) { vip.merge('probe' => '0s') }

  context 'without the fact' do
    it { is_expected.to run.with_params(probes_off).and_return(false) }
  end

  context 'with a fact that does not hold' do
    let(:facts) { gluster_vip_fact('holder' => false, 'checks' => [check('conflict')]) }

    it { is_expected.to run.with_params(vip).and_return(false) }
  end

  context 'with a holder\'s fact whose holder is the String "true"' do
    let(:facts) { gluster_vip_fact('holder' => 'true', 'checks' => [check('conflict')]) }

    it { is_expected.to run.with_params(vip).and_return(false) }
  end

  context 'with a holder fact, VIP on eth0 for 12.34 s, the conflict check passed' do
    let(:facts) { gluster_vip_fact('holder' => true, 'interface' => 'eth0', 'held_for' => 12.34, 'checks' => [check('config'), check('conflict')]) }

    it('holds with the probes at their default') { is_expected.to run.with_params(vip).and_return(true) }
    it { is_expected.to run.with_params(vip.merge('probe' => '500ms')).and_return(true) }
    it { is_expected.to run.with_params(vip.merge('interface' => 'eth0')).and_return(true) }
    it { is_expected.to run.with_params(vip.merge('interface' => 'eth1')).and_return(false) }
    it { is_expected.to run.with_params(vip.merge('settle' => '12s')).and_return(true) }
    it { is_expected.to run.with_params(vip.merge('settle' => '13s')).and_return(false) }
    it { is_expected.to run.with_params(vip.merge('settle' => '0s')).and_return(true) }
    it('not when the catalog adds peers') { is_expected.to run.with_params(vip.merge('peers' => '198.51.100.1,198.51.100.2')).and_return(false) }
    it('not when the catalog adds a keepalived pidfile') { is_expected.to run.with_params(vip.merge('keepalived_pidfile' => '/run/keepalived.pid')).and_return(false) }
    it('in mode all, checks nothing more') { is_expected.to run.with_params('vip' => '', 'settle' => '1h', 'peers' => '198.51.100.1').and_return(true) }
  end

  context 'with a holder fact decided with the probes off' do
    let(:facts) { gluster_vip_fact('holder' => true, 'held_for' => nil, 'checks' => [check('config'), check('probe')]) }

    it { is_expected.to run.with_params(probes_off).and_return(true) }
    it('not when this catalog turns them on') { is_expected.to run.with_params(vip).and_return(false) }
    it('not with a settle when the age is unknown') { is_expected.to run.with_params(probes_off.merge('settle' => '1s')).and_return(false) }
  end

  context 'with a holder fact that passed quorum over 3 peers and the keepalived check' do
    let(:facts) do
      gluster_vip_fact('holder' => true, 'checks' => [check('keepalived'), check('conflict'), check('quorum')],
                       'quorum' => { 'reached' => 3, 'needed' => 2, 'peers' => 3 })
    end

    it { is_expected.to run.with_params(vip.merge('peers' => '198.51.100.1,198.51.100.2,198.51.100.3', 'keepalived_pidfile' => '/run/k.pid')).and_return(true) }
    it('not over another number of peers') { is_expected.to run.with_params(vip.merge('peers' => '198.51.100.1,198.51.100.2')).and_return(false) }
  end

  context 'with a failed check of that name' do
    let(:facts) { gluster_vip_fact('holder' => true, 'checks' => [check('conflict', false)]) }

    it { is_expected.to run.with_params(vip).and_return(false) }
  end

  context 'with a holder fact of backend etcd, leader for 12 s' do
    let(:facts) do
      gluster_vip_fact('holder' => true, 'mode' => 'etcd', 'vip' => nil, 'backend' => 'etcd', 'node_name' => 'gv1', 'held_for' => 12.0,
                       'checks' => [check('config'), check('daemon'), check('leader'), check('lease'), check('settle')])
    end

    it { is_expected.to run.with_params('backend' => 'etcd').and_return(true) }
    it { is_expected.to run.with_params('backend' => 'etcd', 'settle' => '10s', 'node_name' => 'gv1').and_return(true) }
    it('not for a longer settle') { is_expected.to run.with_params('backend' => 'etcd', 'settle' => '13s').and_return(false) }
    it('not for another node name') { is_expected.to run.with_params('backend' => 'etcd', 'node_name' => 'gv2').and_return(false) }
  end

  context 'with a VRRP holder fact and an etcd catalog' do
    let(:facts) { gluster_vip_fact('holder' => true, 'held_for' => 12.0, 'checks' => [check('conflict')]) }

    it { is_expected.to run.with_params('backend' => 'etcd').and_return(false) }
  end
end

